/**
 * Draws a build's events: pulls as `pull-progress.ts` does (bytes per blob, redrawn on a
 * terminal), then one line per section (built or cached, entries, size, time) and per output, and a
 * final summary of what was written; `--json` prints every event as one JSON object per line.
 */
import type { BuildEvent, BuildResult } from "@ocikit/build";
import type { TextSink } from "./cli-io.js";
import { createPullProgress, formatBytes, type ProgressMode } from "./pull-progress.js";

export interface BuildProgress {
  readonly onEvent: (event: BuildEvent) => void;
  /** Ends the pull display (idempotent). */
  finish(): void;
  /** Prints what was written. */
  summary(result: BuildResult): void;
}

export function createBuildProgress(sink: TextSink, mode: ProgressMode): BuildProgress {
  const pulls = createPullProgress(sink, mode);
  let pullsDone = false;
  const endPulls = (): void => {
    if (!pullsDone) pulls.finish();
    pullsDone = true;
  };
  return {
    onEvent(event) {
      if (mode === "json") {
        if (event.type === "pull") pulls.onEvent(event.event);
        else sink.write(`${JSON.stringify(event)}\n`);
        return;
      }
      switch (event.type) {
        case "pull":
          pulls.onEvent(event.event);
          return;
        case "resolve":
          return;
        case "section":
          endPulls();
          sink.write(
            `section ${event.name}: ${event.cached ? "cached" : `built, ${event.entries} ${event.entries === 1 ? "entry" : "entries"}`}, ${formatBytes(event.sizeBytes)}, ${ms(event.ms)}\n`,
          );
          return;
        case "output":
          endPulls();
          sink.write(`wrote ${event.path} (${formatBytes(event.sizeBytes)}, ${ms(event.ms)})\n`);
          return;
        case "warning":
          sink.write(`warning: ${event.message}\n`);
          return;
        case "done":
          return;
      }
    },
    finish: endPulls,
    summary(result) {
      if (mode === "json") return;
      const total = result.outputs.reduce((n, o) => n + o.sizeBytes, 0);
      sink.write(
        `built ${result.outputs.length} file${result.outputs.length === 1 ? "" : "s"} (${formatBytes(total)}) in ${ms(result.elapsedMs)}\n`,
      );
    },
  };
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}
