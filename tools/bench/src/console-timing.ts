/**
 * Timing a program that boots a VM, as a user sees it on the console: the program is spawned in its
 * own process group with standard input on /dev/null and standard output piped; each line of the
 * console (standard output, carriage returns removed) and of standard error (where `ocikit run`
 * says what it boots) is matched against the markers, and the time from just before the spawn to
 * the first line matching each is kept, with the time to the console's first byte. At the chosen
 * marker the whole process group is ended (SIGTERM, then SIGKILL after a grace period); or the
 * program runs to its own exit, which must be 0.
 *
 * Left out: input to the guest, and a terminal (the console is a pipe, as in CI).
 */
import { spawn } from "node:child_process";

/** Options of {@link timeConsole}. */
export interface ConsoleTimingOptions<M extends string> {
  /** The program and its arguments. */
  readonly argv: readonly string[];
  readonly cwd?: string;
  /** What to time, by name: the first line of standard output or error that matches each. */
  readonly markers: Readonly<Record<M, RegExp>>;
  /** End the program when this marker is seen; "exit": wait until it exits by itself. */
  readonly stopAt: NoInfer<M> | "exit";
  /** Give up (and end the program) after this long. */
  readonly timeoutMs: number;
}

/** What one run showed. */
export interface ConsoleTiming<M extends string> {
  /** ms from the start to the first byte on standard output; NaN when there was none. */
  readonly firstOutputMs: number;
  /** ms from the start to each marker seen. */
  readonly markerMs: Readonly<Partial<Record<M, number>>>;
  /** ms from the start to the program's exit, when it exited by itself. */
  readonly exitMs?: number;
  readonly stderr: string;
}

/** How long SIGTERM gets before SIGKILL. */
const GRACE_MS = 5000;
/** How much of the console an error message quotes. */
const TAIL_CHARS = 2000;

/**
 * Runs `argv` and times its console (see the module comment).
 * @throws {Error} when the program cannot start, exits before `stopAt` (or, with "exit", fails), or
 *   runs past `timeoutMs`; the message has its stderr and the console's tail
 * @example
 * ```ts
 * const t = await timeConsole({ argv: ["qemu-system-x86_64", …], markers: { banner: /^ocikit-init: welcome/ }, stopAt: "banner", timeoutMs: 120_000 });
 * console.log(t.markerMs.banner);
 * ```
 */
export async function timeConsole<M extends string>(
  options: ConsoleTimingOptions<M>,
): Promise<ConsoleTiming<M>> {
  const [program, ...args] = options.argv;
  if (program === undefined) throw new Error("timeConsole: argv is empty; pass the program to run");
  const markers = Object.entries(options.markers) as [M, RegExp][];
  const markerMs: Partial<Record<M, number>> = {};
  let firstOutputMs = Number.NaN;
  let tail = "";
  let stderr = "";

  const start = performance.now();
  const child = spawn(program, args, {
    cwd: options.cwd,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const closed = new Promise<{ code: number | null; ms: number }>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, ms: performance.now() - start }));
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    signalGroup(child.pid, "SIGTERM");
    const late = setTimeout(() => signalGroup(child.pid, "SIGKILL"), GRACE_MS);
    await closed.catch(() => undefined); // a spawn error is reported by the await below
    clearTimeout(late);
  };
  const seen = new Promise<void>((resolve) => {
    const lines = splitLines((line, now) => {
      for (const [name, pattern] of markers)
        if (markerMs[name] === undefined && pattern.test(line)) markerMs[name] = now;
      if (options.stopAt !== "exit" && markerMs[options.stopAt] !== undefined) resolve();
    });
    // Decoded by the streams, so that a character split between chunks stays whole.
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      const now = performance.now() - start;
      if (Number.isNaN(firstOutputMs)) firstOutputMs = now;
      const text = chunk.replaceAll("\r", "");
      tail = (tail + text).slice(-TAIL_CHARS);
      lines.stdout(text, now);
    });
    child.stderr.on("data", (chunk: string) => {
      stderr += chunk;
      lines.stderr(chunk, performance.now() - start);
    });
  });
  const timer = setTimeout(() => void stop(), options.timeoutMs);

  const failure = (why: string) =>
    new Error(
      `${options.argv.join(" ")}: ${why}\n--- stderr:\n${stderr.trimEnd()}\n--- console's tail:\n${tail.trimEnd()}`,
    );
  try {
    const first = await Promise.race([seen.then(() => "marker" as const), closed]);
    if (first === "marker") {
      await stop();
      return { firstOutputMs, markerMs, stderr };
    }
    if (stopping) throw failure(`${options.stopAt} not seen within ${options.timeoutMs} ms`);
    if (options.stopAt !== "exit") throw failure(`exited (${first.code}) before ${options.stopAt}`);
    if (first.code !== 0) throw failure(`exited ${first.code}`);
    return { firstOutputMs, markerMs, exitMs: first.ms, stderr };
  } finally {
    clearTimeout(timer);
    await stop();
  }
}

/** Cuts each stream's text into whole lines, passed to `onLine` with the time their end arrived. */
function splitLines(onLine: (line: string, ms: number) => void) {
  const feed = () => {
    let partial = "";
    return (text: string, ms: number) => {
      const lines = (partial + text).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) onLine(line, ms);
    };
  };
  return { stdout: feed(), stderr: feed() };
}

/** Sends `signal` to the process group led by `pid`, if it is still there. */
function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch (error) {
    // ESRCH: the group has already gone, which is what we wanted.
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}
