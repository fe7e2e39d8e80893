/**
 * @ocikit/cli: the `ocikit` command line. `main()` runs one command with the given arguments and
 * process-level I/O and returns its exit code, so tests (and embedders) run it in-process.
 *
 * @example
 * ```ts
 * import { main } from "@ocikit/cli";
 * process.exitCode = await main(["schema"], {
 *   stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd(),
 * });
 * ```
 */
export type { CliIo, TextSink } from "./cli-io.js";
export { CliError, type CliErrorCode } from "./errors.js";
export { EXIT_CODES, type ExitCode } from "./exit-codes.js";
export { main } from "./main.js";
