/**
 * The build log: one line per build status change, build event, warning and VM change, with the time
 * the page received it. Pull progress is coalesced: a blob's line is updated in place rather than one
 * line per progress tick. Pure (no DOM), tested in test/page-build-log.test.ts.
 */
import type { BuildEvent } from "@ocikit/build";
import type { BuildRecord, VmState } from "../../src/protocol.js";
import { formatBytes, formatDuration, shortDigest } from "./format.js";

/** How a line is shown. */
export type LogLevel = "info" | "ok" | "warn" | "error";

/** One line of the log. */
export interface LogLine {
  /** Stable while the line lives (a coalesced line keeps its id when updated). */
  readonly id: number;
  /** When the page received what the line says (ms since the epoch). */
  readonly atMs: number;
  readonly level: LogLevel;
  readonly text: string;
  /** Lines with the same key are one line (pull progress of one blob). */
  readonly key?: string;
}

/** What a new line says, before it gets its id and time. */
export interface LogNote {
  readonly level: LogLevel;
  readonly text: string;
  readonly key?: string;
}

/** The log: its lines (oldest first, at most `LOG_LIMIT`), and the next line's id. */
export interface BuildLog {
  readonly lines: readonly LogLine[];
  readonly nextId: number;
}

/** How many lines the log keeps; older ones are dropped. */
export const LOG_LIMIT = 2000;

/** The log with no line. */
export function emptyLog(): BuildLog {
  return { lines: [], nextId: 1 };
}

/** `log` with `notes` added at `atMs`: a note whose key is already a line's replaces that line in place. */
export function appendLog(
  log: BuildLog,
  notes: readonly LogNote[],
  atMs: number,
  limit = LOG_LIMIT,
): BuildLog {
  if (notes.length === 0) return log;
  let lines = [...log.lines];
  let nextId = log.nextId;
  for (const note of notes) {
    const at = note.key === undefined ? -1 : lines.findLastIndex((l) => l.key === note.key);
    if (at >= 0) {
      lines[at] = { ...note, id: lines[at]!.id, atMs };
    } else {
      lines.push({ ...note, id: nextId, atMs });
      nextId += 1;
    }
  }
  if (lines.length > limit) lines = lines.slice(lines.length - limit);
  return { lines, nextId };
}

/** The line of a build record, when its status is new (`previous` is the record it replaces). */
export function noteBuild(build: BuildRecord, previous: BuildRecord | undefined): LogNote[] {
  if (previous?.status === build.status) return [];
  const elapsed = build.elapsedMs === undefined ? "" : ` in ${formatDuration(build.elapsedMs)}`;
  switch (build.status) {
    case "running":
      return [{ level: "info", text: `build #${build.id} started (${build.reason})` }];
    case "succeeded":
      return [{ level: "ok", text: `build #${build.id} succeeded${elapsed}` }];
    case "invalid": {
      const problems = build.problems ?? [];
      const first = problems[0];
      const where = first === undefined ? "" : `: ${first.file}:${first.line}:${first.col}: ${first.message}`;
      const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : "";
      return [{ level: "error", text: `build #${build.id} invalid${where}${more}` }];
    }
    case "failed":
      return [
        { level: "error", text: `build #${build.id} failed${elapsed}: ${build.error ?? "unknown error"}` },
      ];
  }
  return [];
}

/** The line of a build event of build `buildId`. */
export function noteBuildEvent(buildId: number, event: BuildEvent): LogNote[] {
  switch (event.type) {
    case "resolve":
      return [{ level: "info", text: `resolved ${event.ref} to ${shortDigest(event.digest)}` }];
    case "pull": {
      const pull = event.event;
      switch (pull.type) {
        case "resolve":
          return [
            {
              level: "info",
              text: `${pull.ref}: manifest ${shortDigest(pull.digest)} from ${pull.from}`,
              key: `manifest:${buildId}:${pull.ref}`,
            },
          ];
        case "blob": {
          const state = pull.cached
            ? `${formatBytes(pull.bytesTotal)} (cached)`
            : pull.bytesDone >= pull.bytesTotal
              ? `${formatBytes(pull.bytesTotal)} pulled`
              : `${formatBytes(pull.bytesDone)} / ${formatBytes(pull.bytesTotal)}`;
          return [
            {
              level: "info",
              text: `${pull.ref}: blob ${shortDigest(pull.digest)} ${state}`,
              key: `blob:${buildId}:${pull.ref}:${pull.digest}`,
            },
          ];
        }
        case "warning":
          return [{ level: "warn", text: `warning ${pull.code}: ${pull.ref}: ${pull.message}` }];
      }
      return [];
    }
    case "section": {
      const how = event.cached ? "cached" : "built";
      return [
        {
          level: "info",
          text: `section ${event.name} ${how}: ${event.entries} entries, ${formatBytes(event.sizeBytes)}, ${formatDuration(event.ms)}`,
        },
      ];
    }
    case "output":
      return [
        {
          level: "info",
          text: `wrote ${event.format} ${event.path} (${formatBytes(event.sizeBytes)}) in ${formatDuration(event.ms)}`,
        },
      ];
    case "warning": {
      const at = event.at === undefined ? "" : `${event.at.file}:${event.at.line}:${event.at.col}: `;
      return [{ level: "warn", text: `warning ${event.code}: ${at}${event.message}` }];
    }
    case "done":
      return [{ level: "info", text: `build #${buildId} done in ${formatDuration(event.elapsedMs)}` }];
  }
  return [];
}

/** The line of a VM change (none when the state did not change). */
export function noteVm(vm: VmState, previous: VmState): LogNote[] {
  if (JSON.stringify(vm) === JSON.stringify(previous)) return [];
  switch (vm.state) {
    case "none":
      return [];
    case "booting":
      return [{ level: "info", text: `VM of build #${vm.buildId} booting (${vm.accel})` }];
    case "running":
      return [{ level: "ok", text: `VM of build #${vm.buildId} running (${vm.accel})` }];
    case "stopped":
      return [
        {
          level: vm.end.clean ? "info" : "warn",
          text: `VM of build #${vm.buildId} stopped: ${vm.end.summary}`,
        },
      ];
  }
  return [];
}
