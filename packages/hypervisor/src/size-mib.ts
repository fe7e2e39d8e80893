/**
 * Sizes as LinuxKit's flags write them, `N`, `NM` or `NG` (`getDiskSizeMB` in `run.go`), read into
 * MiB. The unit letter may be lower case; the unit of a bare number is the flag's (GiB for `--disk
 * size=`, MiB for `--mem`).
 */

/** Reads `N[M|G]` as MiB, a bare number in `defaultUnit`; undefined unless it is a positive whole number. */
export function parseSizeMiB(text: string, defaultUnit: "M" | "G"): number | undefined {
  const match = /^(\d+)([MG])?$/i.exec(text.trim());
  if (!match) return undefined;
  const count = Number(match[1]);
  const unit = (match[2] ?? defaultUnit).toUpperCase();
  const mib = unit === "G" ? count * 1024 : count;
  return Number.isSafeInteger(mib) && mib > 0 ? mib : undefined;
}
