/**
 * Errors of @ocikit/test-images. Each names the package, file, tool or VM that failed and ends with
 * what to do; codes are stable and listed in the README.
 */
import { OcikitError } from "@ocikit/errors";

/** Stable codes of {@link TestImagesError}. */
export type TestImagesErrorCode =
  /** A program the builder runs (apt-get, dpkg-deb, tar, cpio…) is not installed; qemu's absence is HV_TOOL_MISSING. */
  | "TEST_IMAGES_TOOL_MISSING"
  /** A program exited non-zero; the message holds the tail of its output. */
  | "TEST_IMAGES_TOOL_FAILED"
  /** A Debian package could not be downloaded or does not hold what an image needs. */
  | "TEST_IMAGES_PACKAGE"
  /** A binary needs a shared library (or a module another module) that none of the image's packages holds. */
  | "TEST_IMAGES_DEPENDENCY_MISSING"
  /** A file that should be ELF (a binary, a library, a kernel module) is not, or is truncated. */
  | "TEST_IMAGES_BAD_ELF"
  /** Only amd64 images can be built (the builder runs the image's busybox to list its applets). */
  | "TEST_IMAGES_UNSUPPORTED_ARCH"
  /** An operation was aborted through its `AbortSignal`. */
  | "TEST_IMAGES_ABORTED";

/** A failure of the test image builder or the boot harness. */
export class TestImagesError extends OcikitError {
  declare readonly code: TestImagesErrorCode;
  constructor(code: TestImagesErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}
