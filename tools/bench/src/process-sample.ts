/**
 * Timing a whole program, as a user sees it: each run is a child process under max-rss.py, which
 * reports the peak resident memory of its largest process and the wall time around the program
 * alone (the Python wrapper's own ~0.3 s start-up is not counted). The same
 * yardstick for ocikit (Node's start-up included) and for the tools it is compared with.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const here = import.meta.dirname;

/** One run of a program. */
export interface Sample {
  readonly ms: number;
  readonly maxRssKiB: number;
}

/** One run, with what the program printed (max-rss.py's report removed from stderr). */
export interface ProcessSample extends Sample {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `argv` under max-rss.py; returns wall time, peak RSS and the output.
 * @throws {Error} when the program exits non-zero (execFile's error, with its output)
 */
export async function sampleProcess(
  argv: readonly string[],
  env?: NodeJS.ProcessEnv,
): Promise<ProcessSample> {
  const { stdout, stderr } = await run("python3", [join(here, "max-rss.py"), ...argv], {
    env: env ?? process.env,
    maxBuffer: 64 << 20,
  });
  const lines = stderr.trimEnd().split("\n");
  const report = JSON.parse(lines.pop() ?? "{}") as { wallMs: number; maxRssKiB: number };
  return {
    ms: report.wallMs,
    maxRssKiB: report.maxRssKiB,
    stdout,
    stderr: lines.join("\n"),
  };
}

/** The median run by wall time (the upper one of an even count), as it was; undefined for none. */
export function medianRun<S extends Sample>(samples: readonly S[]): S | undefined {
  return [...samples].sort((a, b) => a.ms - b.ms)[Math.floor(samples.length / 2)];
}

/** The median run by wall time, with the largest peak RSS of all runs. */
export function medianSample(samples: readonly Sample[]): Sample {
  const mid = medianRun(samples) as Sample;
  return { ms: mid.ms, maxRssKiB: Math.max(...samples.map((s) => s.maxRssKiB)) };
}

/** `node SCRIPT ARGS…` for a worker beside this file. */
export function nodeWorker(script: string, ...args: string[]): string[] {
  return [process.execPath, join(here, script), ...args];
}

/** `123 MiB`. */
export function mib(kib: number): string {
  return `${(kib / 1024).toFixed(0)} MiB`;
}
