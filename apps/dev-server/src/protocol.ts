/**
 * What the dev server and its page say to each other over the WebSocket (`/ws?token=…`), as JSON
 * text frames. Plain data, so the page, tests and other clients can share it.
 *
 * Server → page: `ServerMessage`. Page → server: `ClientMessage`.
 */
import type { BuildEvent } from "@ocikit/build";
import type { VmEnd } from "@ocikit/hypervisor";

/** One problem of an invalid configuration, as `file:line:col` and the offending line. */
export interface ConfigProblem {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly message: string;
  /** The text of the offending line, when the file could be read. */
  readonly source?: string;
}

/** A build of the loop, for the history panel. */
export interface BuildRecord {
  readonly id: number;
  readonly startedAt: string;
  /** Why it ran: the files that changed, "start", or "rebuild" (button). */
  readonly reason: string;
  readonly status: "running" | "succeeded" | "invalid" | "failed";
  readonly elapsedMs?: number;
  /** For "failed": the message; for "invalid": see `problems`. */
  readonly error?: string;
  readonly problems?: readonly ConfigProblem[];
}

/** The VM's state. */
export type VmState =
  | { readonly state: "none" }
  | { readonly state: "booting"; readonly buildId: number; readonly accel: string }
  | { readonly state: "running"; readonly buildId: number; readonly accel: string }
  | { readonly state: "stopped"; readonly buildId: number; readonly end: VmEnd };

export type ServerMessage =
  /** First message on a connection: everything a fresh page needs. */
  | {
      readonly type: "hello";
      readonly files: readonly string[];
      readonly history: readonly BuildRecord[];
      readonly vm: VmState;
      /** The console so far, base64 (bounded). */
      readonly console: string;
    }
  | { readonly type: "build"; readonly build: BuildRecord }
  /** A typed build event of the build in progress (the same events the CLI renders). */
  | { readonly type: "build-event"; readonly buildId: number; readonly event: BuildEvent }
  | { readonly type: "vm"; readonly vm: VmState }
  /** Console bytes, base64. */
  | { readonly type: "console"; readonly data: string };

export type ClientMessage =
  /** Typed keys for the guest, base64. */
  | { readonly type: "input"; readonly data: string }
  | { readonly type: "rebuild" }
  | { readonly type: "reboot" }
  | { readonly type: "stop" };
