/**
 * Errors the CLI itself raises, and which exit code an `OcikitError` from any package maps to.
 */
import { OcikitError } from "@ocikit/errors";
import { EXIT_CODES, type ExitCode } from "./exit-codes.js";

/** Stable codes of the CLI's own errors (never renamed or reused). */
export type CliErrorCode =
  /** The command line is wrong in a way the parser cannot see (e.g. `-` given twice). */
  | "CLI_USAGE"
  /** A configuration file (or standard input) could not be read. */
  | "CLI_READ_FAILED"
  /** An output file could not be written (`cache export -o FILE`). */
  | "CLI_WRITE_FAILED"
  /** `run`: the VM did not end cleanly (the guest panicked, was killed, or qemu failed). */
  | "CLI_VM_FAILED"
  /** `test`: the console did not show what `--expect` asked for in time. */
  | "CLI_TEST_FAILED";

/** An error of the command line, with a message of the form `ocikit COMMAND: what; what to do`. */
export class CliError extends OcikitError {
  declare readonly code: CliErrorCode;
  constructor(code: CliErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/** Codes whose fix is in the user's input: the command line, a YAML file or a file it names. */
const USER_ERROR_CODES: ReadonlySet<string> = new Set<string>([
  "CLI_USAGE",
  "CLI_READ_FAILED",
  "BUILD_UNSUPPORTED_FORMAT",
  "BUILD_BAD_OPTIONS",
  "BUILD_NO_KERNEL",
  "BUILD_FILE_SOURCE",
  "HV_BAD_OPTION",
  "HV_ARTIFACT_MISSING",
]);

/** 2 when the user must fix their input (CLI usage, unreadable file, a build option, any `SPEC_*` code), else 1. */
export function exitCodeOf(error: OcikitError): ExitCode {
  if (USER_ERROR_CODES.has(error.code) || error.code.startsWith("SPEC_")) return EXIT_CODES.usage;
  return EXIT_CODES.failure;
}
