/**
 * Errors of @ocikit/test-registry. Each names the tool or server that failed and ends with what to
 * do; codes are stable and listed in the README.
 */
import { OcikitError } from "@ocikit/errors";

/** Stable codes of {@link TestRegistryError}. */
export type TestRegistryErrorCode =
  /** A program the harness runs (docker-registry, skopeo, htpasswd, openssl, tar, zstd…) is not installed. */
  | "TEST_REGISTRY_TOOL_MISSING"
  /** A program the harness runs exited non-zero; the message holds the tail of its output. */
  | "TEST_REGISTRY_TOOL_FAILED"
  /** docker-registry did not answer `/v2/` in time or exited while starting; the message holds its log tail. */
  | "TEST_REGISTRY_START_FAILED"
  /** An image, layer or file description given to the image builder is invalid. */
  | "TEST_REGISTRY_BAD_IMAGE_SPEC"
  /** The operation was aborted through its `AbortSignal`. */
  | "TEST_REGISTRY_ABORTED";

/** A failure of the test harness: a missing tool, a registry that would not start, a bad image spec. */
export class TestRegistryError extends OcikitError {
  declare readonly code: TestRegistryErrorCode;
  constructor(code: TestRegistryErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}
