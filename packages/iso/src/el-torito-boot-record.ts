/**
 * The El Torito boot record volume descriptor (El Torito specification 1.0, §2.0, "Boot Record
 * Volume Descriptor"): an ECMA-119 volume descriptor of type 0 whose boot system identifier is
 * "EL TORITO SPECIFICATION" (zero-padded) and which gives the sector of the boot catalog at byte 0x47,
 * little-endian. It must be in sector 17, right after the primary volume descriptor, where BIOSes and
 * isohybrid look for it.
 */
import { getUint32, setUint32 } from "./both-byte-order.js";
import { asciiField, SECTOR_SIZE, STANDARD_IDENTIFIER } from "./volume-descriptor.js";

export const EL_TORITO_SYSTEM_ID = "EL TORITO SPECIFICATION";

/** Encodes the boot record pointing at the boot catalog in sector `catalogLba`. */
export function bootRecordToBytes(catalogLba: number): Uint8Array {
  const s = new Uint8Array(SECTOR_SIZE);
  s[0] = 0;
  asciiField(s, 1, 5, STANDARD_IDENTIFIER);
  s[6] = 1;
  s.set(new TextEncoder().encode(EL_TORITO_SYSTEM_ID), 7); // bytes 7..38, the rest zero
  setUint32(s, 0x47, catalogLba, "le");
  return s;
}

/** The boot catalog's sector from an El Torito boot record, or `undefined` for another sector. */
export function bootRecordFromBytes(s: Uint8Array): { readonly catalogLba: number } | undefined {
  const system = String.fromCharCode(...s.subarray(7, 7 + EL_TORITO_SYSTEM_ID.length));
  if (s[0] !== 0 || String.fromCharCode(...s.subarray(1, 6)) !== STANDARD_IDENTIFIER) return undefined;
  if (system !== EL_TORITO_SYSTEM_ID) return undefined;
  return { catalogLba: getUint32(s, 0x47, "le") };
}
