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

/** One section of the built initrd: one compressed member, in member order. */
export interface ImageSection {
  /** Its place among the sections (the initrd's members after the microcode, in order). */
  readonly index: number;
  /** As the build names it: "kernel", "init[0]", "onboot[1] hello", "files", … */
  readonly name: string;
  /** LinuxKit's location record: "kernel", "init[0]", "onboot[1]", "files", … */
  readonly location: string;
  /** Where its contents come from: the image reference, or "files", "sbom", … */
  readonly source: string;
  /** Whether the build found it in the section cache. */
  readonly cached: boolean;
  /** Build time of the section in ms (near 0 when cached). */
  readonly ms: number;
  /** Its member's size in the initrd (compressed). */
  readonly memberBytes: number;
  /** The sum of its regular files' sizes. */
  readonly contentBytes: number;
  readonly entries: number;
}

/** One entry of the initrd, for the explorer's tree. */
export interface ImageEntry {
  /** Relative, "/"-separated; "." is the root. */
  readonly path: string;
  readonly type: "file" | "dir" | "symlink" | "hardlink" | "char" | "block" | "fifo";
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  /** A symlink's target or a hardlink's path. */
  readonly target?: string;
  /** The `ImageSection.index` it comes from. */
  readonly section: number;
}

/** What the last successful build made, for the image explorer. */
export interface ImageSummary {
  readonly buildId: number;
  readonly kernelBytes: number;
  readonly initrdBytes: number;
  /** Bytes of the uncompressed microcode archive at the initrd's start (0 when none). */
  readonly ucodeBytes: number;
  readonly cmdline: string;
  readonly sections: readonly ImageSection[];
  /** Every entry, in initrd order (a later entry of the same path wins at boot). */
  readonly entries: readonly ImageEntry[];
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
      /** What the last successful build made, once there is one. */
      readonly image?: ImageSummary;
      /**
       * The events of the newest build that sent any, so a page that connects mid-build (or after it)
       * can show its pipeline: pull progress kept as the last report per blob, at most
       * `DEV_HUB_DEFAULTS.eventLimit` events.
       */
      readonly events?: { readonly buildId: number; readonly events: readonly BuildEvent[] };
    }
  | { readonly type: "build"; readonly build: BuildRecord }
  /** A typed build event of the build in progress (the same events the CLI renders). */
  | { readonly type: "build-event"; readonly buildId: number; readonly event: BuildEvent }
  | { readonly type: "vm"; readonly vm: VmState }
  /** A build succeeded: what it made (read back while the new VM starts). */
  | { readonly type: "image"; readonly image: ImageSummary }
  /** Console bytes, base64. */
  | { readonly type: "console"; readonly data: string };

export type ClientMessage =
  /** Typed keys for the guest, base64. */
  | { readonly type: "input"; readonly data: string }
  | { readonly type: "rebuild" }
  | { readonly type: "reboot" }
  | { readonly type: "stop" };
