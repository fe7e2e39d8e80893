/**
 * UEFI firmware for `--uefi` (reference §6.1: `--fw`, default `/usr/share/ovmf/bios.bin`). `--fw`
 * is used as given; otherwise Debian's packages are searched, preferring split images (read-only
 * code plus a variable store) because each boot then gets a fresh copy of the variables at
 * `varsCopyPath` (toolchain.md: reusing one across runs made a disk boot fall into the EFI shell),
 * then a combined image, then LinuxKit's `bios.bin`. A combined image is passed read-only, so qemu
 * never writes into the shared file under /usr/share. A `--fw` naming a `…_CODE…` image with a
 * matching `…_VARS…` beside it is used split too.
 */
import { chmod, copyFile, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { HypervisorError } from "./errors.js";
import type { Firmware, QemuArch } from "./types.js";

/** Options of {@link findUefiFirmware}. */
export interface FindUefiFirmwareOptions {
  /** `--fw`: a firmware image to use instead of searching. */
  readonly fw?: string;
  readonly arch: QemuArch;
  /** Where each boot's copy of the variable store goes (`StatePaths.efiVars`). */
  readonly varsCopyPath: string;
  /** Prefix of the searched locations; default "/" (tests point it at a made-up tree). */
  readonly searchRoot?: string;
}

/** A place firmware may be installed, best first per architecture. */
type Candidate =
  | { readonly kind: "split"; readonly code: string; readonly vars: string }
  | { readonly kind: "combined"; readonly path: string };

/** Where Debian's packages put UEFI firmware for each architecture, best first. */
export const UEFI_FIRMWARE_CANDIDATES: Readonly<Record<QemuArch, readonly Candidate[]>> = {
  x86_64: [
    // ovmf (Debian 12): 4 MiB flash; the 2 MiB images of older releases next.
    { kind: "split", code: "/usr/share/OVMF/OVMF_CODE_4M.fd", vars: "/usr/share/OVMF/OVMF_VARS_4M.fd" },
    { kind: "split", code: "/usr/share/OVMF/OVMF_CODE.fd", vars: "/usr/share/OVMF/OVMF_VARS.fd" },
    { kind: "combined", path: "/usr/share/ovmf/OVMF.fd" },
    // LinuxKit's default --fw.
    { kind: "combined", path: "/usr/share/ovmf/bios.bin" },
  ],
  aarch64: [
    // qemu-efi-aarch64: images already padded to the virt machine's 64 MiB flash.
    { kind: "split", code: "/usr/share/AAVMF/AAVMF_CODE.fd", vars: "/usr/share/AAVMF/AAVMF_VARS.fd" },
  ],
  riscv64: [
    {
      kind: "split",
      code: "/usr/share/qemu-efi-riscv64/RISCV_VIRT_CODE.fd",
      vars: "/usr/share/qemu-efi-riscv64/RISCV_VIRT_VARS.fd",
    },
  ],
  s390x: [],
};

const PACKAGE: Readonly<Record<QemuArch, string>> = {
  x86_64: "ovmf",
  aarch64: "qemu-efi-aarch64",
  riscv64: "qemu-efi-riscv64",
  s390x: "",
};

/**
 * The firmware for a UEFI boot; for split firmware, copies the variable store to `varsCopyPath`.
 * @throws HV_ARTIFACT_MISSING when `--fw` does not exist or nothing is installed; HV_UNSUPPORTED on
 *   s390x, which has no UEFI
 * @example
 * ```ts
 * const firmware = await findUefiFirmware({ arch: "x86_64", varsCopyPath: state.efiVars });
 * ```
 */
export async function findUefiFirmware(options: FindUefiFirmwareOptions): Promise<Firmware> {
  if (options.fw !== undefined) return givenFirmware(options.fw, options.varsCopyPath);
  if (options.arch === "s390x") {
    throw new HypervisorError(
      "HV_UNSUPPORTED",
      "--uefi: s390x machines have no UEFI firmware; boot without --uefi",
    );
  }
  const root = options.searchRoot ?? "/";
  const candidates = UEFI_FIRMWARE_CANDIDATES[options.arch];
  for (const candidate of candidates) {
    if (candidate.kind === "combined") {
      const path = join(root, candidate.path);
      if (await isFile(path)) return { kind: "combined", path };
    } else {
      const code = join(root, candidate.code);
      const vars = join(root, candidate.vars);
      if ((await isFile(code)) && (await isFile(vars)))
        return splitFirmware(code, vars, options.varsCopyPath);
    }
  }
  const looked = candidates
    .flatMap((c) => (c.kind === "combined" ? [c.path] : [c.code]))
    .map((p) => join(root, p));
  throw new HypervisorError(
    "HV_ARTIFACT_MISSING",
    `--uefi: no UEFI firmware for ${options.arch} (looked for ${looked.join(", ")}); install it with \`apt-get install ${PACKAGE[options.arch]}\` or give one with --fw`,
  );
}

async function givenFirmware(fw: string, varsCopyPath: string): Promise<Firmware> {
  if (!(await isFile(fw))) {
    throw new HypervisorError(
      "HV_ARTIFACT_MISSING",
      `--fw ${fw}: no such file; give the path of a UEFI firmware image (e.g. /usr/share/ovmf/OVMF.fd from \`apt-get install ovmf\`)`,
    );
  }
  const name = basename(fw);
  if (name.includes("_CODE")) {
    const vars = join(dirname(fw), name.replace("_CODE", "_VARS"));
    if (await isFile(vars)) return splitFirmware(fw, vars, varsCopyPath);
  }
  return { kind: "combined", path: fw };
}

/** Split firmware with a fresh, writable copy of the variable store. */
async function splitFirmware(code: string, vars: string, varsCopyPath: string): Promise<Firmware> {
  try {
    // A previous boot's copy may be read-only (copied from a read-only store): replace it.
    await rm(varsCopyPath, { force: true });
    await copyFile(vars, varsCopyPath);
    await chmod(varsCopyPath, 0o644);
  } catch (error) {
    throw new HypervisorError(
      "HV_STATE",
      `${varsCopyPath}: cannot copy the UEFI variable store there (${(error as NodeJS.ErrnoException).code}); check the state directory's permissions`,
      { cause: error },
    );
  }
  return { kind: "split", code, vars: varsCopyPath };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    // Missing or unreadable: either way not a firmware image we can use; the caller names what it looked for.
    return false;
  }
}
