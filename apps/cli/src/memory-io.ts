/**
 * A `CliIo` backed by strings, for running `main()` in-process in tests: standard input is a fixed
 * text, and what the CLI writes is collected.
 */
import type { CliIo } from "./cli-io.js";

/** A `CliIo` whose output can be read back. */
export interface MemoryIo extends CliIo {
  stdoutText(): string;
  stderrText(): string;
}

/** An in-memory `CliIo`: `stdin` yields `opts.stdin` (default: nothing), output is kept in memory. */
export function createMemoryIo(opts: {
  cwd: string;
  stdin?: string;
  env?: Record<string, string>;
}): MemoryIo {
  const out: string[] = [];
  const err: string[] = [];
  const stdinText = opts.stdin ?? "";
  return {
    stdout: {
      write: (chunk: string | Uint8Array) =>
        out.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("latin1")),
    },
    stderr: {
      write: (chunk: string | Uint8Array) =>
        err.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8")),
    },
    stdin: (async function* () {
      if (stdinText !== "") yield new TextEncoder().encode(stdinText);
    })(),
    env: opts.env ?? {},
    cwd: opts.cwd,
    stdoutText: () => out.join(""),
    stderrText: () => err.join(""),
  };
}
