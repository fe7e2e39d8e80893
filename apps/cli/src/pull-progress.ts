/**
 * Draws pull progress: on a terminal, one line per blob redrawn in place (bytes done/total); on a
 * pipe, one plain line when something finishes; with `--json`, one JSON event per line (byte counts
 * at most ten times a second per blob). Packages report, the CLI draws (house style §Events).
 */
import type { PullEvent } from "@ocikit/oci";
import type { TextSink } from "./cli-io.js";

export type ProgressMode = "tty" | "plain" | "json";

const JSON_INTERVAL_MS = 100;
const TTY_INTERVAL_MS = 100;

/** A progress sink for pull events; call `finish()` at the end to leave the terminal tidy. */
export interface PullProgress {
  readonly onEvent: (event: PullEvent) => void;
  finish(): void;
}

/** JSON lines with `--json`, rows redrawn in place on a terminal, plain lines otherwise. */
export function progressMode(sink: TextSink, json: boolean): ProgressMode {
  return json ? "json" : sink.isTTY ? "tty" : "plain";
}

/** Chooses the renderer: json when asked, a redrawn table on a terminal, plain lines otherwise. */
export function createPullProgress(
  sink: TextSink,
  mode: ProgressMode,
  now: () => number = Date.now,
): PullProgress {
  if (mode === "json") return jsonProgress(sink, now);
  if (mode === "tty") return ttyProgress(sink, now);
  return plainProgress(sink);
}

function jsonProgress(sink: TextSink, now: () => number): PullProgress {
  const last = new Map<string, number>();
  return {
    onEvent(event) {
      if (event.type === "blob" && event.bytesDone < event.bytesTotal) {
        const t = now();
        if (t - (last.get(event.digest) ?? 0) < JSON_INTERVAL_MS) return;
        last.set(event.digest, t);
      }
      sink.write(`${JSON.stringify(event)}\n`);
    },
    finish() {},
  };
}

function plainProgress(sink: TextSink): PullProgress {
  return {
    onEvent(event) {
      if (event.type === "resolve")
        sink.write(`${event.ref}: ${event.from === "cache" ? "cached" : "resolved"} ${event.digest}\n`);
      else if (event.type === "warning") sink.write(`${event.ref}: warning: ${event.message}\n`);
      else if (event.bytesDone >= event.bytesTotal) {
        sink.write(
          `${event.ref}: ${event.cached ? "have" : "pulled"} ${shortDigest(event.digest)} (${formatBytes(event.bytesTotal)})\n`,
        );
      }
    },
    finish() {},
  };
}

function ttyProgress(sink: TextSink, now: () => number): PullProgress {
  const rows = new Map<string, string>();
  let drawn = 0;
  let lastDraw = 0;
  const draw = (force: boolean): void => {
    const t = now();
    if (!force && t - lastDraw < TTY_INTERVAL_MS) return;
    lastDraw = t;
    const lines = [...rows.values()];
    // Move up over what we drew last time, then rewrite every line (clearing to its end).
    sink.write(`${drawn > 0 ? `\x1b[${drawn}A` : ""}${lines.map((l) => `\r${l}\x1b[K\n`).join("")}`);
    drawn = lines.length;
  };
  return {
    onEvent(event) {
      if (event.type === "resolve")
        rows.set(
          `r ${event.ref}`,
          `${event.ref}  ${event.from === "cache" ? "cached" : "resolved"} ${shortDigest(event.digest)}`,
        );
      else if (event.type === "warning")
        rows.set(`w ${rows.size}`, `${event.ref}  warning: ${event.message}`);
      else {
        const state = event.cached ? "have" : event.bytesDone >= event.bytesTotal ? "done" : "pull";
        rows.set(
          `b ${event.digest}`,
          `  ${shortDigest(event.digest)}  ${state}  ${formatBytes(event.bytesDone)} / ${formatBytes(event.bytesTotal)}`,
        );
      }
      draw(event.type !== "blob" || event.bytesDone >= event.bytesTotal);
    },
    finish() {
      draw(true);
    },
  };
}

/** `sha256:0123456789ab`. */
export function shortDigest(digest: string): string {
  return digest.slice(0, 19);
}

/** `1.5 MB`, `312 B` (SI units, as skopeo and docker print them). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = n;
  let unit = "B";
  for (const u of units) {
    if (value < 1000) break;
    value /= 1000;
    unit = u;
  }
  return `${value.toFixed(1)} ${unit}`;
}
