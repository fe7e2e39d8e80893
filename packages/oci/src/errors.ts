/**
 * Errors of @ocikit/oci. Each says what image (reference and digest) or file it is about, what went
 * wrong, and what to do; codes are stable and listed in the README.
 */
import { OcikitError } from "@ocikit/errors";

export type OciErrorCode =
  | "OCI_BAD_REFERENCE"
  | "OCI_DIGEST_MISMATCH"
  | "OCI_SIZE_MISMATCH"
  | "OCI_BAD_DIGEST"
  | "OCI_BAD_MANIFEST"
  | "OCI_UNSUPPORTED_MEDIA_TYPE"
  | "OCI_PLATFORM_NOT_FOUND"
  | "OCI_NOT_FOUND"
  | "OCI_UNAUTHORIZED"
  | "OCI_DENIED"
  | "OCI_REGISTRY_ERROR"
  | "OCI_NETWORK"
  | "OCI_TOO_MANY_RETRIES"
  | "OCI_CACHE_CORRUPT"
  | "OCI_CACHE_LOCKED"
  | "OCI_NOT_CACHED"
  | "OCI_BAD_LAYER"
  | "OCI_BAD_ENTRY"
  | "OCI_ENTRY_SIZE_MISMATCH"
  | "OCI_BAD_ARCHIVE"
  | "OCI_CREDENTIALS"
  | "OCI_INSECURE_AUTH";

/** A failure the user or their machine caused: a bad reference, a registry's refusal, a corrupt blob. */
export class OciError extends OcikitError {
  declare readonly code: OciErrorCode;
  constructor(code: OciErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}
