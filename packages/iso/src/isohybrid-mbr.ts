/**
 * The master boot record that makes an ISO image bootable from a disk or USB stick as well as from a
 * CD ("isohybrid"), as syslinux's isohybrid(1) writes it (utils/isohybrid.c): bytes 0..431 are the
 * MBR boot code from `isohdpfx.bin`, which loads isolinux.bin from the 512-byte sector recorded at
 * byte 432 (64-bit little-endian: the El Torito BIOS image's 2048-byte sector × 4); the disk signature
 * at 440; the partition table at 446; 55 AA at 510. Geometry is isohybrid's default, 64 heads and 32
 * sectors per track, so the image is padded to a whole number of 1 MiB cylinders.
 *
 * Partition 1 is active, starts at sector 0 and covers the whole padded image, of type 0x17 — or,
 * with an EFI partition, of type 0x00, as `isohybrid --uefi` makes it, so that UEFI firmware that
 * rejects overlapping MBR partitions skips it; partition 2 (type 0xEF, CHS FE FF FF) then covers the
 * EFI system partition image inside the ISO. No GPT is written (xorriso's
 * `-isohybrid-gpt-basdat` does one; BIOS and UEFI firmware boot from the MBR alone).
 */
import { setUint32 } from "./both-byte-order.js";

/** The boot code taken from the template. */
export const MBR_CODE_BYTES = 432;
/** isohybrid's default geometry: one cylinder of 64 heads × 32 sectors × 512 bytes. */
export const ISOHYBRID_HEADS = 64;
export const ISOHYBRID_SECTORS = 32;
export const ISOHYBRID_CYLINDER_BYTES = ISOHYBRID_HEADS * ISOHYBRID_SECTORS * 512;
/** isolinux.bin's signature at byte 64 that isohybrid checks (the hybrid-capable builds have it). */
export const ISOLINUX_HYBRID_SIGNATURE = Uint8Array.of(0xfb, 0xc0, 0x78, 0x70);

export interface IsohybridMbr {
  /** isohdpfx.bin: at least 432 bytes; its first 432 are the boot code. */
  readonly template: Uint8Array;
  /** The El Torito BIOS boot image's first 2048-byte sector. */
  readonly bootImageLba: number;
  /** The whole image's size in bytes: a multiple of ISOHYBRID_CYLINDER_BYTES. */
  readonly imageBytes: number;
  /** The EFI system partition image, for partition 2. */
  readonly efi?: { readonly lba: number; readonly sectors512: number };
  readonly diskSignature: number;
}

/** Encodes the 512-byte MBR. */
export function isohybridMbrToBytes(mbr: IsohybridMbr): Uint8Array {
  const s = new Uint8Array(512);
  s.set(mbr.template.subarray(0, MBR_CODE_BYTES), 0);
  setUint32(s, 432, mbr.bootImageLba * 4, "le");
  setUint32(s, 436, 0, "le");
  setUint32(s, 440, mbr.diskSignature >>> 0, "le");
  const cylinders = Math.min(mbr.imageBytes / ISOHYBRID_CYLINDER_BYTES, 1024);
  const endCylinder = cylinders - 1;
  const p1 = 446;
  s[p1] = 0x80;
  s[p1 + 1] = 0; // start head
  s[p1 + 2] = 1; // start sector (cylinder 0)
  s[p1 + 3] = 0; // start cylinder
  s[p1 + 4] = mbr.efi === undefined ? 0x17 : 0x00;
  s[p1 + 5] = ISOHYBRID_HEADS - 1;
  s[p1 + 6] = ISOHYBRID_SECTORS + ((endCylinder & 0x300) >> 2);
  s[p1 + 7] = endCylinder & 0xff;
  setUint32(s, p1 + 8, 0, "le");
  setUint32(s, p1 + 12, mbr.imageBytes / 512, "le");
  if (mbr.efi !== undefined) {
    const p2 = 446 + 16;
    s.set([0x00, 0xfe, 0xff, 0xff, 0xef, 0xfe, 0xff, 0xff], p2);
    setUint32(s, p2 + 8, mbr.efi.lba * 4, "le");
    setUint32(s, p2 + 12, mbr.efi.sectors512, "le");
  }
  s[510] = 0x55;
  s[511] = 0xaa;
  return s;
}

/** The image size isohybrid pads to: the next whole cylinder. */
export function isohybridPaddedBytes(bytes: number): number {
  return Math.ceil(bytes / ISOHYBRID_CYLINDER_BYTES) * ISOHYBRID_CYLINDER_BYTES;
}
