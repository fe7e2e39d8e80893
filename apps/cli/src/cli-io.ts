/**
 * What the CLI may touch of the outside world, passed in so that tests run `main()` in-process with
 * strings instead of a terminal. `bin.ts` hands in `process`'s streams, environment and directory.
 */

/** Somewhere text goes: `process.stdout`, `process.stderr`, or a test's collector. */
export interface TextSink {
  /** Writes text, or bytes (`cache export -o -`). */
  write(chunk: string | Uint8Array): unknown;
  /** Terminal width, when it is a terminal; help text wraps to it (default 80). */
  readonly columns?: number;
  /** Whether it is a terminal (progress is then redrawn in place). */
  readonly isTTY?: boolean;
}

/** The process-level inputs and outputs of one CLI run. */
export interface CliIo {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  /** Read only when a command is given `-` as a file, or by `run` (typing to the guest). */
  readonly stdin: AsyncIterable<Uint8Array | string>;
  /** Present when standard input is a terminal: `run` switches it to raw mode while attached. */
  readonly terminal?: { setRawMode(raw: boolean): void };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Relative paths on the command line are resolved against it. */
  readonly cwd: string;
}
