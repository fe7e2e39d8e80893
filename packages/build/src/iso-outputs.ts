/**
 * The ISO outputs, written in-process with @ocikit/iso (ISO 9660 + Rock Ridge + Joliet, El Torito,
 * isohybrid), reproducibly. Each boots the same kernel, initrd (microcode first) and command line as
 * `kernel+initrd`:
 *
 * - `iso-bios` (`NAME.iso`, the 2017 seed's format): isolinux on a BIOS no-emulation El Torito entry
 *   loads `/kernel` and `/initrd.img`; an isohybrid MBR makes the same file boot from a USB stick.
 *   LinuxKit's `iso-bios` puts the root filesystem on the ISO as files and boots the kernel with
 *   `root=/dev/sr0`; here the root filesystem is the initrd, as with `kernel+initrd`, so the system is
 *   the same whatever it boots from and needs no CD-ROM driver (docs/compatibility.md).
 * - `iso-efi` (`NAME-efi.iso`): an EFI El Torito entry whose FAT image holds the UKI (see
 *   efi-outputs.ts) as `EFI/BOOT/BOOTX64.EFI`; no GRUB.
 * - `iso-efi-initrd` (`NAME-efi-initrd.iso`): the hybrid — both entries (isolinux for BIOS, the UKI
 *   for UEFI), `/kernel` and `/initrd.img` on the ISO, and an isohybrid MBR with an EFI partition, so
 *   it boots under BIOS and UEFI, from a CD or from a disk.
 */
import { assert } from "@ocikit/errors";
import { type FsEntry, headerOf } from "@ocikit/fs";
import type { BootloaderFile, BootloaderFileName } from "@ocikit/iso";
import { type IsoBootOptions, planIso, writeIso } from "@ocikit/iso";
import type { Platform } from "@ocikit/oci";
import type { OutputFormat } from "@ocikit/spec";
import { writeFileAtomic } from "./atomic-file.js";
import { type BootAssets, efiStubName } from "./efi-outputs.js";
import { dirEntry, fileEntry, hostFilesEntry } from "./generated-entries.js";

/** The ISO formats and how each boots. */
export const ISO_FORMATS = {
  "iso-bios": { suffix: ".iso", bios: true, efi: false },
  "iso-efi": { suffix: "-efi.iso", bios: false, efi: true },
  "iso-efi-initrd": { suffix: "-efi-initrd.iso", bios: true, efi: true },
} as const;
export type IsoFormat = keyof typeof ISO_FORMATS;

/** Whether `format` is one of the ISO formats. */
export function isIsoFormat(format: OutputFormat): format is IsoFormat {
  return format in ISO_FORMATS;
}

/** The files isolinux's BIOS entry and the isohybrid MBR are made of. */
const ISOLINUX_FILES = ["isolinux.bin", "ldlinux.c32", "isohdpfx.bin"] as const;

/** Every boot file the formats need (the EFI stub for raw-efi and the UEFI ISOs, isolinux's for BIOS). */
export function bootFileNames(formats: readonly OutputFormat[], platform: Platform): BootloaderFileName[] {
  const names = formats.flatMap((format): BootloaderFileName[] => {
    if (format === "raw-efi") return [efiStubName(platform)];
    if (!isIsoFormat(format)) return [];
    const { bios, efi } = ISO_FORMATS[format];
    return [...(bios ? ISOLINUX_FILES : []), ...(efi ? [efiStubName(platform)] : [])];
  });
  return [...new Set(names)];
}

/** isolinux's configuration: boot the kernel and initrd on the ISO with the command line, at once. */
function isolinuxConfig(cmdline: string): string {
  return `DEFAULT linux\nPROMPT 0\nTIMEOUT 0\nLABEL linux\n  KERNEL /kernel\n  INITRD /initrd.img\n  APPEND ${cmdline}\n`;
}

/**
 * Writes an ISO output at `path` (atomically) and returns its size.
 * @throws {IsoError} ISO_BOOT_FILE (isolinux, ldlinux.c32, isohdpfx.bin or the EFI stub missing),
 *   ISO_BAD_PE; BuildError BUILD_OUTPUT when the file cannot be written
 */
export async function writeIsoOutput(format: IsoFormat, path: string, assets: BootAssets): Promise<number> {
  const { parts } = assets;
  const { bios, efi } = ISO_FORMATS[format];
  const entries: FsEntry[] = [];
  const boot: IsoBootOptions["entries"][number][] = [];
  let isohybrid: IsoBootOptions["isohybrid"];
  if (bios) {
    const found = await assets.files();
    const files = Object.fromEntries(
      ISOLINUX_FILES.map((name) => {
        const file = found[name];
        assert(file, `${name} was not among the boot files asked for`);
        return [name, file];
      }),
    ) as Record<(typeof ISOLINUX_FILES)[number], BootloaderFile>;
    entries.push(
      dirEntry("isolinux"),
      fileEntry("isolinux/isolinux.bin", files["isolinux.bin"].data, 0o644),
      fileEntry("isolinux/ldlinux.c32", files["ldlinux.c32"].data, 0o644),
      fileEntry("isolinux/isolinux.cfg", isolinuxConfig(parts.cmdline), 0o644),
    );
    boot.push({ platform: "bios", path: "isolinux/isolinux.bin", bootInfoTable: true });
    isohybrid = { mbrTemplate: files["isohdpfx.bin"].data, efiPartition: efi };
  }
  if (efi) {
    entries.push(dirEntry("boot"), fileEntry("boot/efi.img", await assets.isoEfiImage(), 0o644));
    boot.push({ platform: "efi", path: "boot/efi.img" });
  }
  if (bios) {
    entries.push(
      await hostFilesEntry("kernel", [parts.kernel]),
      await hostFilesEntry("initrd.img", parts.initrd),
      fileEntry("cmdline", parts.cmdline, 0o644),
    );
  }
  const layout = planIso(entries.map(headerOf), {
    volumeId: "LINUXKIT",
    boot: {
      catalogPath: bios ? "isolinux/boot.cat" : "boot/boot.cat",
      entries: boot,
      ...(isohybrid ? { isohybrid } : {}),
    },
  });
  return writeFileAtomic(path, writeIso(layout, toAsync(entries)));
}

async function* toAsync(entries: readonly FsEntry[]): AsyncIterable<FsEntry> {
  yield* entries;
}
