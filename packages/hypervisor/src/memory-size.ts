/**
 * `--mem`: the guest's memory in MiB, LinuxKit's plain number (default 1024); we also take `512M` or
 * `2G`.
 */
import { HypervisorError } from "./errors.js";
import { parseSizeMiB } from "./size-mib.js";

/**
 * Parses `--mem` into MiB.
 * @throws HV_BAD_OPTION quoting the value and the expected form
 */
export function parseMemory(value: string): number {
  const mib = parseSizeMiB(value, "M");
  if (mib === undefined) {
    throw new HypervisorError(
      "HV_BAD_OPTION",
      `--mem "${value}": not a positive whole number of MiB; expected N (MiB), NM or NG, e.g. 1024 or 2G`,
    );
  }
  return mib;
}
