/**
 * ECMA-119's numerical fields (§7.1–7.3): 8-, 16- and 32-bit unsigned numbers, stored little-endian
 * (§7.2.1, §7.3.1), big-endian (§7.2.2, §7.3.2) or in both byte orders, little-endian first
 * (§7.2.3, §7.3.3). Rock Ridge and the El Torito catalog reuse them. Values are checked: a number
 * that does not fit its field is a bug in the caller (the planner refuses such inputs first).
 */
import { assert } from "@ocikit/errors";

/** §7.2.3: a 16-bit number in both byte orders (4 bytes). */
export function setBoth16(target: Uint8Array, offset: number, value: number): void {
  assert(Number.isInteger(value) && value >= 0 && value <= 0xffff, `16-bit field holds ${value}`);
  const view = viewOf(target);
  view.setUint16(offset, value, true);
  view.setUint16(offset + 2, value, false);
}

/** §7.3.3: a 32-bit number in both byte orders (8 bytes). */
export function setBoth32(target: Uint8Array, offset: number, value: number): void {
  assert(Number.isInteger(value) && value >= 0 && value <= 0xffff_ffff, `32-bit field holds ${value}`);
  const view = viewOf(target);
  view.setUint32(offset, value, true);
  view.setUint32(offset + 4, value, false);
}

/** §7.3.1 (little) or §7.3.2 (big): a 32-bit number in one byte order. */
export function setUint32(target: Uint8Array, offset: number, value: number, order: "le" | "be"): void {
  assert(Number.isInteger(value) && value >= 0 && value <= 0xffff_ffff, `32-bit field holds ${value}`);
  viewOf(target).setUint32(offset, value, order === "le");
}

/** §7.2.1 (little) or §7.2.2 (big): a 16-bit number in one byte order. */
export function setUint16(target: Uint8Array, offset: number, value: number, order: "le" | "be"): void {
  assert(Number.isInteger(value) && value >= 0 && value <= 0xffff, `16-bit field holds ${value}`);
  viewOf(target).setUint16(offset, value, order === "le");
}

/** Reads a §7.2.3 field (the little-endian half; readers such as Linux's do the same). */
export function getBoth16(source: Uint8Array, offset: number): number {
  return viewOf(source).getUint16(offset, true);
}

/** Reads a §7.3.3 field (the little-endian half). */
export function getBoth32(source: Uint8Array, offset: number): number {
  return viewOf(source).getUint32(offset, true);
}

/** Reads a 32-bit number in one byte order. */
export function getUint32(source: Uint8Array, offset: number, order: "le" | "be"): number {
  return viewOf(source).getUint32(offset, order === "le");
}

/** Reads a 16-bit number in one byte order. */
export function getUint16(source: Uint8Array, offset: number, order: "le" | "be"): number {
  return viewOf(source).getUint16(offset, order === "le");
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
