/**
 * The page's state and the reducer that applies the server's messages (src/protocol.ts) to it. The
 * console is not state: its bytes go straight to the terminal. Pure (no DOM; the receive time is a
 * parameter), tested in test/page-dev-state.test.ts.
 */
import type { BuildRecord, ImageSummary, ServerMessage, VmState } from "../../src/protocol.js";
import { appendLog, type BuildLog, emptyLog, noteBuild, noteBuildEvent, noteVm } from "./build-log.js";
import {
  applyBuildEvent,
  emptyPipeline,
  type Pipeline,
  type PipelineSection,
  sectionsFromImage,
} from "./pipeline.js";

/** Everything the page shows but the console. */
export interface DevState {
  /** Whether a `hello` has been received (on this connection or an earlier one). */
  readonly ready: boolean;
  readonly files: readonly string[];
  /** The last builds, oldest first (at most `HISTORY_LIMIT`). */
  readonly history: readonly BuildRecord[];
  readonly vm: VmState;
  /** What the last successful build made. */
  readonly image?: ImageSummary;
  /** The events of the newest build that sent any (replayed by `hello`, then live). */
  readonly pipeline?: Pipeline;
  /** Kept across reconnections: a log is what happened, not what is. */
  readonly log: BuildLog;
}

/** How many builds the page keeps (the hub keeps 20 by default). */
export const HISTORY_LIMIT = 50;

/** The state before the first `hello`. */
export function initialState(): DevState {
  return { ready: false, files: [], history: [], vm: { state: "none" }, log: emptyLog() };
}

/** `state` with `message`, received at `atMs` (ms since the epoch), applied. */
export function applyServerMessage(state: DevState, message: ServerMessage, atMs: number): DevState {
  switch (message.type) {
    case "hello": {
      const latest = maxBy(message.history);
      const note = `connected: watching ${message.files.join(", ") || "no files"}; ${
        latest === undefined ? "no build yet" : `last build #${latest.id} ${latest.status}`
      }`;
      // The newest build's events so far: its pipeline, as if this page had been there.
      const replayed = message.events;
      const pipeline =
        replayed === undefined
          ? undefined
          : replayed.events.reduce(applyBuildEvent, emptyPipeline(replayed.buildId));
      return {
        ready: true,
        files: message.files,
        history: message.history.slice(-HISTORY_LIMIT),
        vm: message.vm,
        ...(message.image === undefined ? {} : { image: message.image }),
        ...(pipeline === undefined ? {} : { pipeline }),
        log: appendLog(state.log, [{ level: "info", text: note }], atMs),
      };
    }
    case "build": {
      const build = message.build;
      const at = state.history.findIndex((b) => b.id === build.id);
      const history =
        at >= 0 ? state.history.with(at, build) : [...state.history, build].slice(-HISTORY_LIMIT);
      const log = appendLog(state.log, noteBuild(build, at >= 0 ? state.history[at] : undefined), atMs);
      return { ...state, history, log };
    }
    case "build-event": {
      const current = state.pipeline;
      if (current !== undefined && message.buildId < current.buildId) return state; // a stale build's event
      const base = current?.buildId === message.buildId ? current : emptyPipeline(message.buildId);
      return {
        ...state,
        pipeline: applyBuildEvent(base, message.event),
        log: appendLog(state.log, noteBuildEvent(message.buildId, message.event), atMs),
      };
    }
    case "vm":
      return { ...state, vm: message.vm, log: appendLog(state.log, noteVm(message.vm, state.vm), atMs) };
    case "image":
      return { ...state, image: message.image };
    case "console":
      return state;
  }
  return state;
}

/** The newest build (highest id), if any. */
export function latestBuild(state: DevState): BuildRecord | undefined {
  return maxBy(state.history);
}

/** What the pipeline panel shows: the newest build, its events, and its sections. */
export interface PipelineView {
  readonly build: BuildRecord;
  readonly pipeline: Pipeline;
  /** From the events, or (when they were missed) from the image summary of this build. */
  readonly sections: readonly PipelineSection[];
  /** Whether `sections` come from the image summary rather than from events. */
  readonly sectionsFromImage: boolean;
}

/** The pipeline of the newest build, or undefined before any build. */
export function currentPipeline(state: DevState): PipelineView | undefined {
  const build = latestBuild(state);
  if (build === undefined) return undefined;
  const pipeline = state.pipeline?.buildId === build.id ? state.pipeline : emptyPipeline(build.id);
  if (pipeline.sections.length === 0 && state.image?.buildId === build.id) {
    return { build, pipeline, sections: sectionsFromImage(state.image), sectionsFromImage: true };
  }
  return { build, pipeline, sections: pipeline.sections, sectionsFromImage: false };
}

/** The builds newest first, at most `limit`. */
export function recentBuilds(state: DevState, limit: number): BuildRecord[] {
  return [...state.history].sort((a, b) => b.id - a.id).slice(0, limit);
}

function maxBy(builds: readonly BuildRecord[]): BuildRecord | undefined {
  let best: BuildRecord | undefined;
  for (const b of builds) if (best === undefined || b.id > best.id) best = b;
  return best;
}
