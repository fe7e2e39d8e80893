/**
 * Errors of @ocikit/dev-server; codes are stable and listed in the README (`DEV_WATCH` and
 * `DEV_IMAGE_SUMMARY` are warnings the loop publishes, not errors).
 */
import { OcikitError } from "@ocikit/errors";

export type DevServerErrorCode =
  /** The server cannot listen (the port is taken, the address is not this machine's). */
  "DEV_LISTEN";

/** A failure the user or their machine caused. */
export class DevServerError extends OcikitError {
  declare readonly code: DevServerErrorCode;
  constructor(code: DevServerErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}
