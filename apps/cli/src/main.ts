/**
 * The CLI's entry point: builds a fresh commander program for each run (no module state), runs it,
 * and turns whatever happened into an exit code (house style §Errors):
 * 0 ok; 1 runtime failure; 2 user error (bad arguments, unreadable file, invalid YAML);
 * 70 a bug (prints the stack and asks for a report). It never calls `process.exit`.
 */

import { isOcikitError } from "@ocikit/errors";
import { hostRefusalReason } from "@ocikit/fs";
import { Command, CommanderError } from "commander";
import { registerBuildCommand } from "./build-command.js";
import { registerCacheCommand } from "./cache-command.js";
import type { CliIo } from "./cli-io.js";
import { registerDevCommand } from "./dev-command.js";
import { exitCodeOf } from "./errors.js";
import { EXIT_CODES, type ExitCode } from "./exit-codes.js";
import { registerInspectCommand } from "./inspect-command.js";
import { addGlobalOptions } from "./oci-settings.js";
import { registerRunCommand } from "./run-command.js";
import { registerSchemaCommand } from "./schema-command.js";
import { registerTestCommand } from "./test-command.js";
import { registerVersionCommand, versionLine } from "./version-command.js";

/**
 * Runs `ocikit` with `argv` (the arguments after the program name, as in `process.argv.slice(2)`).
 * Never throws: failures are printed to `io.stderr` and returned as the exit code.
 * @example
 * ```ts
 * const code = await main(["build", "--dry-run", "examples/docker-sshd-2017.yml"], {
 *   stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd(),
 * });
 * ```
 */
export async function main(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  try {
    await createProgram(io).parseAsync([...argv], { from: "user" });
    return EXIT_CODES.ok;
  } catch (error) {
    return reportError(error, io);
  }
}

function createProgram(io: CliIo): Command {
  const program = new Command("ocikit")
    .description("Build LinuxKit-style bootable Linux images from OCI images, in-process, without Docker.")
    .version(versionLine(), "-V, --version", "print the version of ocikit")
    .helpOption("-h, --help", "show help")
    .helpCommand("help [command]", "show help for a command")
    // Settings below are copied to the subcommands that `.command()` creates.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      getOutHelpWidth: () => io.stdout.columns ?? 80,
      getErrHelpWidth: () => io.stderr.columns ?? 80,
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
    .showHelpAfterError("(run with --help for usage)");
  addGlobalOptions(program);
  registerBuildCommand(program, io);
  registerCacheCommand(program, io);
  registerDevCommand(program, io);
  registerInspectCommand(program, io);
  registerRunCommand(program, io);
  registerSchemaCommand(program, io);
  registerTestCommand(program, io);
  registerVersionCommand(program, io);
  return program;
}

function reportError(error: unknown, io: CliIo): ExitCode {
  if (error instanceof CommanderError) {
    // Commander has printed its message (or the help) already; it uses 1 for every usage error.
    return error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
  }
  if (isOcikitError(error)) {
    io.stderr.write(`${error.message}\n`);
    return exitCodeOf(error);
  }
  const host = hostFsError(error);
  if (host) {
    io.stderr.write(`ocikit: ${host}\n`);
    return EXIT_CODES.failure;
  }
  const detail = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  io.stderr.write(
    "ocikit: unexpected error; this is a bug in ocikit, please report it with the command you ran and the text below\n" +
      `${detail}\n`,
  );
  return EXIT_CODES.bug;
}

/**
 * A host filesystem refusal that no package turned into an OcikitError (an unreadable cache
 * directory, a full disk): the machine's state, not a bug, so no stack trace. Only these codes: an
 * ENOENT or EISDIR from deep inside is more likely a bug and keeps the report.
 */
function hostFsError(error: unknown): string | undefined {
  const e = error as NodeJS.ErrnoException;
  if (!(error instanceof Error) || typeof e.code !== "string" || typeof e.syscall !== "string")
    return undefined;
  const reason = hostRefusalReason(e.code);
  if (!reason) return undefined;
  return `${e.path ? `${e.path}: ` : ""}${reason} (${e.code}, ${e.syscall}); check the permissions and free space of the cache (--cache) and output directories`;
}
