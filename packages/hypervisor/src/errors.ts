/**
 * Errors of @ocikit/hypervisor. Each names the file, port or program it is about and what to do;
 * codes are stable and listed in the README.
 */
import { OcikitError } from "@ocikit/errors";

export type HypervisorErrorCode =
  /** A boot artifact (kernel, initrd, ISO, disk, firmware) was looked for and is not there. */
  | "HV_ARTIFACT_MISSING"
  /** A program (qemu-system-*, qemu-img, xhyve, hyperkit) is not installed; the message names the Debian package. */
  | "HV_TOOL_MISSING"
  /** A flag's value cannot be used: `--disk`, `--publish`, `--networking`, `--accel`, `--mem`, … */
  | "HV_BAD_OPTION"
  /** A published host port is already taken (checked before booting). */
  | "HV_PORT_IN_USE"
  /** The backend cannot run here (xhyve or HyperKit outside macOS, an architecture qemu lacks). */
  | "HV_UNSUPPORTED"
  /** qemu (or qemu-img) failed: it exited at start or refused its arguments; its stderr is in the message. */
  | "HV_QEMU_FAILED"
  /** The state directory cannot be used (not writable, a VM already running from it). */
  | "HV_STATE"
  /** The guest did not print what was expected in time; the message has the console's tail. */
  | "HV_TIMEOUT";

/** A failure the user or their machine caused. */
export class HypervisorError extends OcikitError {
  declare readonly code: HypervisorErrorCode;
  constructor(code: HypervisorErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}
