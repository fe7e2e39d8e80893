/**
 * Runs one of the external programs the harness relies on (skopeo, htpasswd, openssl, GNU tar, gzip,
 * zstd, apt-get, dpkg-deb) to completion and collects its output. A missing program and a non-zero
 * exit become `TestRegistryError`s that say which program, with the tail of its output.
 */
import { spawn } from "node:child_process";
import { TestRegistryError } from "./errors.js";

/** Options of {@link runCommand}. */
export interface RunCommandOptions {
  /** Working directory; default: the current one. */
  readonly cwd?: string;
  /** Bytes written to the program's stdin; default: none (stdin is closed). */
  readonly input?: string | Uint8Array;
  /** Kills the program (SIGKILL) when aborted. */
  readonly signal?: AbortSignal;
  /** Which Debian package provides the program, for the "not installed" message; default: the program's name. */
  readonly debianPackage?: string;
  /** Strings (passwords) replaced by `***` in error messages. */
  readonly secrets?: readonly string[];
}

/** What a finished program printed. */
export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
}

// Enough of a failing tool's output to see why, without flooding a test report.
const TAIL_CHARS = 4000;

/** The last `TAIL_CHARS` characters of `text`, marked as cut when they are. */
export function tailOf(text: string): string {
  const trimmed = text.trim();
  return trimmed.length <= TAIL_CHARS ? trimmed : `…${trimmed.slice(-TAIL_CHARS)}`;
}

/** `text` with every non-empty string of `secrets` replaced by `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  return secrets.reduce((out, secret) => (secret ? out.split(secret).join("***") : out), text);
}

/**
 * Runs `program` with `args` and resolves with its output once it exits with status 0.
 * @throws {TestRegistryError} `TEST_REGISTRY_TOOL_MISSING` when the program is not installed,
 *   `TEST_REGISTRY_TOOL_FAILED` when it exits non-zero or is killed, `TEST_REGISTRY_ABORTED` on abort
 */
export function runCommand(
  program: string,
  args: readonly string[],
  options: RunCommandOptions = {},
): Promise<CommandOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      cwd: options.cwd,
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      signal: options.signal,
      killSignal: "SIGKILL",
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout?.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk));
    if (options.input !== undefined && child.stdin) {
      // EPIPE when the program exits without reading all of its input shows up as its exit status.
      child.stdin.on("error", () => {});
      child.stdin.end(options.input);
    }
    child.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") {
        const debianPackage = options.debianPackage ?? program;
        reject(
          new TestRegistryError(
            "TEST_REGISTRY_TOOL_MISSING",
            `${program}: not installed; run "apt-get install ${debianPackage}" (tools/dev/setup.sh installs it)`,
            { cause: error },
          ),
        );
      } else if (error.name === "AbortError") {
        reject(new TestRegistryError("TEST_REGISTRY_ABORTED", `${program}: aborted`, { cause: error }));
      } else {
        reject(
          new TestRegistryError("TEST_REGISTRY_TOOL_FAILED", `${program}: ${error.message}`, {
            cause: error,
          }),
        );
      }
    });
    child.on("close", (status, signal) => {
      const out = { stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() };
      if (status === 0) return resolve(out);
      if (options.signal?.aborted) return; // the "error" event has rejected already
      const how = signal ? `was killed by ${signal}` : `exited with status ${status}`;
      const tail = tailOf(`${out.stderr}\n${out.stdout}`);
      const message = `${program} ${args.join(" ")}: ${how}; its output ends with: ${tail || "(nothing)"}`;
      reject(new TestRegistryError("TEST_REGISTRY_TOOL_FAILED", redact(message, options.secrets ?? [])));
    });
  });
}
