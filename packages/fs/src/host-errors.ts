/**
 * Plain words for the errors a host filesystem gives when it refuses a write or a read that should
 * work (permissions, a full or read-only disk), for messages the user acts on without a stack trace.
 */

const REASONS: Readonly<Record<string, string>> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EROFS: "the file system is read-only",
  EMFILE: "too many open files",
};

/** The reason for a host refusal (`EACCES` → "permission denied"), or undefined for other codes. */
export function hostRefusalReason(code: string | undefined): string | undefined {
  return code === undefined ? undefined : REASONS[code];
}
