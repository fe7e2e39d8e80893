/**
 * The CLI's exit codes (house style §Errors). 70 is sysexits.h's EX_SOFTWARE: the failure is a bug
 * in ocikit, not something the user did.
 */
export const EXIT_CODES = {
  /** Success. */
  ok: 0,
  /** Runtime failure: registry, network, disk, or a feature not yet there. */
  failure: 1,
  /** User error: bad arguments, unreadable input, invalid YAML. */
  usage: 2,
  /** Unexpected error, i.e. a bug in ocikit (EX_SOFTWARE). */
  bug: 70,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];
