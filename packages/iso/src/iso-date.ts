/**
 * ECMA-119's two date formats: the 7-byte "recording date and time" of directory records (§9.1.5,
 * also Rock Ridge's TF short form, RRIP §4.1.6) and the 17-byte digits form of volume descriptors
 * (§8.4.26.1). Both are written in UTC (offset 0). Dates outside what the 7-byte form can hold
 * (years 1900–2155) are clamped to its ends, so any mtime a tar header carries can be written.
 */

/** Seconds since the epoch of the earliest and latest instants the 7-byte form holds. */
export const RECORD_DATE_MIN_SECONDS = Date.UTC(1900, 0, 1) / 1000;
export const RECORD_DATE_MAX_SECONDS = Date.UTC(2155, 11, 31, 23, 59, 59) / 1000;

/** §9.1.5: years since 1900, month, day, hour, minute, second, offset from GMT in 15-minute units. */
export function recordDateToBytes(seconds: number): Uint8Array {
  const clamped = Math.min(Math.max(Math.floor(seconds), RECORD_DATE_MIN_SECONDS), RECORD_DATE_MAX_SECONDS);
  const date = new Date(clamped * 1000);
  return Uint8Array.from([
    date.getUTCFullYear() - 1900,
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
    0,
  ]);
}

/** Reads a §9.1.5 date as seconds since the epoch (the GMT offset applied). */
export function recordDateFromBytes(bytes: Uint8Array): number {
  const [year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0, offset = 0] = bytes;
  const signedOffset = offset > 127 ? offset - 256 : offset;
  return Date.UTC(1900 + year, month - 1, day, hour, minute, second) / 1000 - signedOffset * 15 * 60;
}

/** §8.4.26.1: "YYYYMMDDHHMMSScc" and the GMT offset; `undefined` is "not specified" (digits 0, offset 0). */
export function volumeDateToBytes(seconds: number | undefined): Uint8Array {
  const bytes = new Uint8Array(17);
  let text = "0".repeat(16);
  if (seconds !== undefined) {
    const date = new Date(
      Math.min(Math.max(Math.floor(seconds), 0), Date.UTC(9999, 11, 31, 23, 59, 59) / 1000) * 1000,
    );
    const two = (n: number) => String(n).padStart(2, "0");
    text = `${String(date.getUTCFullYear()).padStart(4, "0")}${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}00`;
  }
  for (let i = 0; i < 16; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** Reads a §8.4.26.1 date as seconds since the epoch, or `undefined` when not specified. */
export function volumeDateFromBytes(bytes: Uint8Array): number | undefined {
  const text = String.fromCharCode(...bytes.subarray(0, 16));
  if (/^0{16}$/.test(text) || /^ {16}$/.test(text)) return undefined;
  const n = (from: number, to: number) => Number(text.slice(from, to));
  const offset = (bytes[16] ?? 0) > 127 ? (bytes[16] ?? 0) - 256 : (bytes[16] ?? 0);
  return (
    Date.UTC(n(0, 4), n(4, 6) - 1, n(6, 8), n(8, 10), n(10, 12), n(12, 14)) / 1000 -
    offset * 15 * 60 +
    n(14, 16) / 100
  );
}
