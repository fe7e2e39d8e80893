/**
 * EFI_GUID as GPT stores it (UEFI 2.10 §5.3.3 and Appendix A): 16 bytes whose first three fields
 * (a 32-bit, then two 16-bit words) are little-endian and whose last 8 bytes are stored in order,
 * so "C12A7328-F81F-11D2-BA4B-00A0C93EC93B" is stored as 28 73 2A C1 1F F8 D2 11 BA 4B 00 A0 …
 * Also the deterministic GUIDs of our disks: a hash of the inputs shaped as an RFC 9562 version-4
 * UUID, as systemd-repart derives its partition UUIDs, so two builds of the same inputs agree.
 */
import { createHash } from "node:crypto";
import { IsoError } from "./errors.js";

/** The EFI system partition's type GUID (UEFI 2.10 §5.3.3, Table 5.14). */
export const EFI_SYSTEM_PARTITION_TYPE_GUID = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";
/** "Linux filesystem data" (the Discoverable Partitions Specification's generic Linux type). */
export const LINUX_FILESYSTEM_TYPE_GUID = "0FC63DAF-8483-4772-8E79-3D69D8477DE4";

const GUID_PATTERN = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

/** Whether `guid` is written as 8-4-4-4-12 hexadecimal digits. */
export function isGuid(guid: string): boolean {
  return GUID_PATTERN.test(guid.toUpperCase());
}

/**
 * `guid` in upper case, as sgdisk and the UEFI specification print GUIDs.
 * @throws {IsoError} ISO_BAD_OPTION when it is not 8-4-4-4-12 hexadecimal digits
 */
export function normalizeGuid(guid: string, what = "GUID"): string {
  const upper = guid.toUpperCase();
  if (!GUID_PATTERN.test(upper))
    throw new IsoError(
      "ISO_BAD_OPTION",
      `${what} "${guid}": not a GUID; expected 8-4-4-4-12 hexadecimal digits such as ${EFI_SYSTEM_PARTITION_TYPE_GUID}`,
    );
  return upper;
}

/**
 * The 16 bytes GPT stores for `guid` (mixed-endian).
 * @throws {IsoError} ISO_BAD_OPTION when `guid` is malformed
 */
export function guidToBytes(guid: string): Uint8Array {
  const hex = normalizeGuid(guid).replaceAll("-", "");
  const inOrder = Uint8Array.from({ length: 16 }, (_, i) => Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16));
  const bytes = inOrder.slice();
  bytes.set(inOrder.subarray(0, 4).reverse(), 0);
  bytes.set(inOrder.subarray(4, 6).reverse(), 4);
  bytes.set(inOrder.subarray(6, 8).reverse(), 6);
  return bytes;
}

/** The GUID GPT stored in `bytes[0..16)` (mixed-endian), in upper case. */
export function guidFromBytes(bytes: Uint8Array): string {
  const inOrder = new Uint8Array(16);
  inOrder.set(bytes.subarray(0, 4).slice().reverse(), 0);
  inOrder.set(bytes.subarray(4, 6).slice().reverse(), 4);
  inOrder.set(bytes.subarray(6, 8).slice().reverse(), 6);
  inOrder.set(bytes.subarray(8, 16), 8);
  const hex = Buffer.from(inOrder).toString("hex").toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * A GUID derived from `seed`: the first 16 bytes of its SHA-256 with the version (4) and variant (10)
 * bits set, so it reads as an ordinary random GUID to every tool while being reproducible.
 */
export function deriveGuid(seed: string): string {
  const digest = createHash("sha256").update(seed).digest();
  digest[6] = (digest[6]! & 0x0f) | 0x40;
  digest[8] = (digest[8]! & 0x3f) | 0x80;
  const hex = digest.subarray(0, 16).toString("hex").toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
