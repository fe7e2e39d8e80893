/**
 * The boot information table that mkisofs's `-boot-info-table` writes into a no-emulation boot image
 * and that isolinux.bin needs to find itself on the medium (genisoimage(1), "-boot-info-table";
 * syslinux's doc/isolinux.txt): at byte 8, four little-endian 32-bit numbers — the primary volume
 * descriptor's sector (16), the image's first sector, the image's length in bytes, and the sum of the
 * image's 32-bit little-endian words from byte 64 to its end (the last one zero-padded) — then 40
 * reserved zero bytes, up to byte 64. The image itself (not a copy) is what ends up on the medium.
 */
import { setUint32 } from "./both-byte-order.js";

export const BOOT_INFO_TABLE_END = 64;

/** Fills bytes 8..63 of `image` (at least 64 bytes) in place. */
export function patchBootInfoTable(image: Uint8Array, pvdLba: number, imageLba: number): void {
  setUint32(image, 8, pvdLba, "le");
  setUint32(image, 12, imageLba, "le");
  setUint32(image, 16, image.length, "le");
  setUint32(image, 20, bootInfoChecksum(image), "le");
  image.fill(0, 24, BOOT_INFO_TABLE_END);
}

/** The sum of the 32-bit little-endian words from byte 64 (mod 2^32). */
export function bootInfoChecksum(image: Uint8Array): number {
  let sum = 0;
  const whole = BOOT_INFO_TABLE_END + ((image.length - BOOT_INFO_TABLE_END) & ~3);
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  for (let at = BOOT_INFO_TABLE_END; at < whole; at += 4) sum = (sum + view.getUint32(at, true)) >>> 0;
  let last = 0;
  for (let at = whole, shift = 0; at < image.length; at++, shift += 8) last |= (image[at] ?? 0) << shift;
  return (sum + (last >>> 0)) >>> 0;
}
