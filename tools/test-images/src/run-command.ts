/**
 * Runs one of the programs the image builder relies on (apt-get, dpkg-deb, tar, gzip, cpio, the
 * image's own busybox) to completion and collects its output. A missing program and a non-zero exit
 * become `TestImagesError`s that say which program, with the tail of its output. A pipeline of two
 * programs (`dpkg-deb --fsys-tarfile | tar -x`) runs without a shell.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { TestImagesError } from "./errors.js";

/** Options of {@link runCommand}. */
export interface RunCommandOptions {
  /** Working directory; default: the current one. */
  readonly cwd?: string;
  /** Kills the program (SIGKILL) when aborted. */
  readonly signal?: AbortSignal;
  /** Which Debian package provides the program, for the "not installed" message; default: its name. */
  readonly debianPackage?: string;
}

/** What a finished program printed. */
export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
}

// Enough of a failing tool's output to see why, without flooding a test report.
const TAIL_CHARS = 4000;

function tailOf(text: string): string {
  const trimmed = text.trim();
  return trimmed.length <= TAIL_CHARS ? trimmed : `…${trimmed.slice(-TAIL_CHARS)}`;
}

function describe(program: string, args: readonly string[]): string {
  return [program, ...args].join(" ");
}

function startError(program: string, error: NodeJS.ErrnoException, debianPackage?: string): TestImagesError {
  if (error.code === "ENOENT")
    return new TestImagesError(
      "TEST_IMAGES_TOOL_MISSING",
      `${program}: not installed; run "apt-get install ${debianPackage ?? program}" (tools/dev/setup.sh installs it)`,
      { cause: error },
    );
  if (error.name === "AbortError")
    return new TestImagesError("TEST_IMAGES_ABORTED", `${program}: aborted`, { cause: error });
  return new TestImagesError("TEST_IMAGES_TOOL_FAILED", `${program}: ${error.message}`, { cause: error });
}

/** Resolves with the child's output once it exits 0; rejects with a TestImagesError otherwise. */
function settle(
  child: ChildProcess,
  what: string,
  program: string,
  options: RunCommandOptions,
  { collectStdout = true } = {},
): Promise<CommandOutput> {
  return new Promise((resolve, reject) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    // A pipeline's producer's stdout goes to the consumer, not into memory.
    if (collectStdout) child.stdout?.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (error: NodeJS.ErrnoException) =>
      reject(startError(program, error, options.debianPackage)),
    );
    child.on("close", (status, signal) => {
      const out = { stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() };
      if (status === 0) return resolve(out);
      if (options.signal?.aborted) return; // the "error" event has rejected already
      const how = signal ? `was killed by ${signal}` : `exited with status ${status}`;
      const tail = tailOf(`${out.stderr}\n${out.stdout}`) || "(nothing)";
      reject(
        new TestImagesError("TEST_IMAGES_TOOL_FAILED", `${what}: ${how}; its output ends with: ${tail}`),
      );
    });
  });
}

/**
 * Runs `program` with `args` and resolves with its output once it exits with status 0.
 * @throws {TestImagesError} `TEST_IMAGES_TOOL_MISSING`, `TEST_IMAGES_TOOL_FAILED`, `TEST_IMAGES_ABORTED`
 */
export function runCommand(
  program: string,
  args: readonly string[],
  options: RunCommandOptions = {},
): Promise<CommandOutput> {
  const child = spawn(program, args, {
    cwd: options.cwd,
    stdio: ["ignore", "pipe", "pipe"],
    signal: options.signal,
    killSignal: "SIGKILL",
  });
  return settle(child, describe(program, args), program, options);
}

/** One program of {@link runPipeline}. */
export interface PipelineStage {
  readonly program: string;
  readonly args: readonly string[];
  readonly debianPackage?: string;
}

/**
 * Runs `first | second` (the first one's stdout into the second one's stdin) and resolves with the
 * second one's output once both exit 0.
 * @throws {TestImagesError} `TEST_IMAGES_TOOL_MISSING`, `TEST_IMAGES_TOOL_FAILED`, `TEST_IMAGES_ABORTED`
 */
export async function runPipeline(
  first: PipelineStage,
  second: PipelineStage,
  options: Omit<RunCommandOptions, "debianPackage"> = {},
): Promise<CommandOutput> {
  const spawnOptions = { cwd: options.cwd, signal: options.signal, killSignal: "SIGKILL" as const };
  const producer = spawn(first.program, first.args, { ...spawnOptions, stdio: ["ignore", "pipe", "pipe"] });
  const consumer = spawn(second.program, second.args, { ...spawnOptions, stdio: ["pipe", "pipe", "pipe"] });
  // EPIPE when the consumer stops reading early shows up as its own exit status.
  consumer.stdin?.on("error", () => {});
  producer.stdout?.pipe(consumer.stdin as NodeJS.WritableStream);
  const [, output] = await Promise.all([
    settle(
      producer,
      describe(first.program, first.args),
      first.program,
      { ...options, debianPackage: first.debianPackage },
      { collectStdout: false },
    ),
    settle(consumer, describe(second.program, second.args), second.program, {
      ...options,
      debianPackage: second.debianPackage,
    }),
  ]);
  return output;
}
