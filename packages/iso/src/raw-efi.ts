/**
 * The raw-efi output: a GPT disk image with one EFI system partition whose FAT file system holds the
 * UKI at the removable-media boot path (UEFI 2.10 §3.5.1.1: \EFI\BOOT\BOOTX64.EFI, BOOTAA64.EFI on
 * arm64), so any UEFI firmware boots it with no boot entry and no boot loader. LinuxKit's raw-efi puts
 * GRUB and a kernel in the ESP instead; the UKI carries kernel, initrd and command line in one file.
 * The FAT writer is passed in (@ocikit/iso's `fatImage` in the pipeline); it learns the partition's
 * first LBA, which FAT records as BPB_HiddSec.
 */
import { createHash } from "node:crypto";
import { writeDiskImage } from "./disk-image.js";
import { type DiskPlan, planDisk } from "./disk-plan.js";
import { EFI_SYSTEM_PARTITION_TYPE_GUID } from "./gpt-guid.js";

/**
 * Makes a FAT image holding `files` (paths inside the image, "/"-separated); `placement.hiddenSectors`
 * is the partition's first LBA, for BPB_HiddSec. @ocikit/iso's `fatImage` is one.
 */
export type FatImageFunction = (
  files: readonly { path: string; data: Uint8Array }[],
  placement: { readonly hiddenSectors: number },
) => Promise<Uint8Array>;

/** What `writeRawEfi` needs. */
export interface RawEfiOptions {
  /** The UKI to boot (`assembleUki`). */
  readonly uki: Uint8Array;
  /** The FAT writer: `fatImage`, or e.g. `(files, placement) => fatImage(files, { ...placement, volumeLabel: "EFI" })`. */
  readonly fatImage: FatImageFunction;
  /** The firmware's architecture, which names the boot file; default "x86_64" (BOOTX64.EFI). */
  readonly arch?: "x86_64" | "aarch64";
}

/** The removable-media boot path per architecture (UEFI 2.10 §3.5.1.1, Table 3.13). */
export const EFI_REMOVABLE_BOOT_PATH = {
  x86_64: "EFI/BOOT/BOOTX64.EFI",
  aarch64: "EFI/BOOT/BOOTAA64.EFI",
} as const;

/** The ESP's PartitionName. */
export const RAW_EFI_PARTITION_NAME = "ESP";

/** A raw-efi disk: its plan and its bytes as a stream. */
export interface RawEfiImage {
  readonly plan: DiskPlan;
  readonly sizeBytes: number;
  readonly image: AsyncIterable<Uint8Array>;
}

/**
 * A GPT disk with one ESP holding `uki` as EFI/BOOT/BOOTX64.EFI (or BOOTAA64.EFI). The GUIDs derive
 * from the UKI's SHA-256, so the same UKI gives the same disk and another UKI other GUIDs.
 * @throws {IsoError} what `fatImage` throws (ISO_NO_SPACE, …)
 * @example
 * ```ts
 * const disk = await writeRawEfi({ uki, fatImage });
 * await writeFile("disk.img", disk.image);
 * ```
 */
export async function writeRawEfi(options: RawEfiOptions): Promise<RawEfiImage> {
  const path = EFI_REMOVABLE_BOOT_PATH[options.arch ?? "x86_64"];
  const guidSeed = `raw-efi:sha256:${createHash("sha256").update(options.uki).digest("hex")}`;
  const layout = (sizeBytes: number) =>
    planDisk({
      partitions: [{ name: RAW_EFI_PARTITION_NAME, typeGuid: EFI_SYSTEM_PARTITION_TYPE_GUID, sizeBytes }],
      guidSeed,
    });
  // The first partition starts on the first alignment boundary whatever its size, so its LBA is known
  // before the FAT image, whose size the plan needs, is made.
  const hiddenSectors = layout(1).partitions[0]!.firstLba;
  const esp = await options.fatImage([{ path, data: options.uki }], { hiddenSectors });
  const plan = layout(esp.length);
  async function* contents(): AsyncIterable<Uint8Array> {
    yield esp;
  }
  return { plan, sizeBytes: plan.sizeBytes, image: writeDiskImage(plan, [contents()]) };
}
