/**
 * The error vocabulary shared by every ocikit package (house style: ../../shared/docs/style.md §Errors).
 *
 * - `OcikitError`: something the user or their machine caused; it has a stable `code` and a message
 *   they can act on. The CLI prints its message without a stack.
 * - `InternalError`: something only a bug can cause; the CLI prints the stack and asks for a report.
 * - `assert`: throws an `InternalError` when an invariant does not hold.
 *
 * @example
 * ```ts
 * import { OcikitError, assert } from "@ocikit/errors";
 * throw new OcikitError("CLI_USAGE", "ocikit build: no configuration file given; pass one or more YAML files");
 * ```
 */

/** An error the user can act on, identified by a stable `code` such as `SPEC_INVALID`. */
export class OcikitError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** An error only a bug in ocikit can cause. */
export class InternalError extends Error {
  readonly code = "INTERNAL";
  constructor(message: string, options?: ErrorOptions) {
    super(`internal error: ${message}; this is a bug in ocikit, please report it`, options);
    this.name = "InternalError";
  }
}

/**
 * Throws an `InternalError` with `message` unless `condition` holds.
 * @throws {InternalError} when `condition` is false
 */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InternalError(message);
}

/** Whether `error` is an `OcikitError`, i.e. one to report to the user without a stack. */
export function isOcikitError(error: unknown): error is OcikitError {
  return error instanceof OcikitError;
}
