/** Errors of @ocikit/build: what failed, in which section or output, and what to do. */
import { OcikitError } from "@ocikit/errors";

export type BuildErrorCode =
  | "BUILD_NO_KERNEL"
  | "BUILD_KERNEL_NOT_FOUND"
  | "BUILD_KERNEL_TAR_NOT_FOUND"
  | "BUILD_DECOMPRESS_KERNEL"
  | "BUILD_UNSUPPORTED_FORMAT"
  | "BUILD_BAD_OPTIONS"
  | "BUILD_FILE_SOURCE"
  | "BUILD_OUTPUT";

/** A build failure the user can act on. */
export class BuildError extends OcikitError {
  declare readonly code: BuildErrorCode;
  constructor(code: BuildErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}
