/**
 * Finding the programs the hypervisor backends run (qemu-system-*, qemu-img, setpriv) before
 * running them, so that a missing one is reported with the Debian package that installs it
 * instead of as a failed spawn.
 */
import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { basename, delimiter, join } from "node:path";
import { HypervisorError } from "./errors.js";

/**
 * The Debian package (bookworm) holding each program; checked with `apt-cache show` / `dpkg -S`:
 * qemu-system-arm provides qemu-system-aarch64, qemu-system-misc provides riscv64 and s390x.
 */
const DEBIAN_PACKAGES: Readonly<Record<string, string>> = {
  "qemu-system-x86_64": "qemu-system-x86",
  "qemu-system-i386": "qemu-system-x86",
  "qemu-system-aarch64": "qemu-system-arm",
  "qemu-system-arm": "qemu-system-arm",
  "qemu-system-riscv64": "qemu-system-misc",
  "qemu-system-riscv32": "qemu-system-misc",
  "qemu-system-s390x": "qemu-system-misc",
  "qemu-system-ppc64": "qemu-system-ppc",
  "qemu-img": "qemu-utils",
  setpriv: "util-linux",
};

/** The Debian package that installs `program` (a name or a path), if we know it. */
export function debianPackageOf(program: string): string | undefined {
  return DEBIAN_PACKAGES[basename(program)];
}

/** Whether `path` is a file this process may execute. */
async function isExecutableFile(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    // Absent or not executable: exactly the "no" this function answers.
    return false;
  }
}

/**
 * The path `program` runs from: itself when it contains a "/", else the first match on PATH —
 * the lookup `spawn` would make (which is why this reads process.env.PATH).
 */
export async function findProgram(program: string): Promise<string | undefined> {
  if (program.includes("/")) return (await isExecutableFile(program)) ? program : undefined;
  for (const dir of (process.env.PATH ?? "").split(delimiter).filter(Boolean)) {
    const candidate = join(dir, program);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Like {@link findProgram}, for a program that must be there.
 * @throws {HypervisorError} HV_TOOL_MISSING naming the Debian package to install
 */
export async function requireProgram(program: string): Promise<string> {
  const found = await findProgram(program);
  if (found) return found;
  const where = program.includes("/") ? "no executable file there" : "not found on PATH";
  const debianPackage = debianPackageOf(program);
  const install = debianPackage
    ? `install it: "apt-get install ${debianPackage}" on Debian or Ubuntu, or your system's package of it`
    : "install it, or give its path";
  throw new HypervisorError("HV_TOOL_MISSING", `${program}: ${where}; ${install}`);
}
