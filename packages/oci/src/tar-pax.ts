/**
 * PAX extended header records (IEEE 1003.1-2008, pax "pax Extended Header"): `"%d %s=%s\n"`, where
 * the decimal length counts the whole record, itself included. Values are UTF-8, except
 * `SCHILY.xattr.*` values, which are raw bytes (a `security.capability` xattr is binary): those are
 * carried as byte strings, one char code (0–255) per byte, so that they survive a round trip.
 * `hdrcharset=BINARY` is not interpreted (names stay UTF-8-decoded).
 */
import { assert } from "@ocikit/errors";
import { OciError } from "./errors.js";

/** The prefix of PAX records that carry extended attributes (star, GNU tar, Go, bsdtar). */
export const XATTR_PREFIX = "SCHILY.xattr.";

const UTF8_DECODER = new TextDecoder("utf-8");
const UTF8_ENCODER = new TextEncoder();
const NEWLINE = 0x0a;
const SPACE = 0x20;
const EQUALS = 0x3d;

function isXattrKey(key: string): boolean {
  return key.startsWith(XATTR_PREFIX);
}

/** Whether every char code of `value` is a byte (0–255), as xattr values must be. */
export function isByteString(value: string): boolean {
  return !/[\u0100-\uffff]/.test(value);
}

/** Whether `key` can be a PAX keyword: non-empty, no `=`, no NUL. */
export function isPaxKey(key: string): boolean {
  return key !== "" && !/[=\0]/.test(key);
}

function decodeValue(key: string, bytes: Uint8Array): string {
  if (!isXattrKey(key)) return UTF8_DECODER.decode(bytes);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("latin1");
}

function encodeValue(key: string, value: string): Uint8Array {
  if (!isXattrKey(key)) return UTF8_ENCODER.encode(value);
  assert(isByteString(value), `${key}: xattr values are byte strings (char codes 0-255)`);
  return Buffer.from(value, "latin1");
}

/**
 * Parses the body of a PAX `x` or `g` header. Trailing NUL padding is tolerated.
 * @throws {OciError} OCI_BAD_LAYER on a malformed record
 */
export function parsePaxRecords(bytes: Uint8Array, where: string): Record<string, string> {
  const records: Record<string, string> = {};
  let pos = 0;
  const bad = (why: string) =>
    new OciError("OCI_BAD_LAYER", `${where}: malformed PAX record at byte ${pos}: ${why}`);
  while (pos < bytes.length && bytes[pos] !== 0) {
    const space = bytes.indexOf(SPACE, pos);
    const digits = space < 0 ? "" : UTF8_DECODER.decode(bytes.subarray(pos, space));
    if (!/^[1-9][0-9]*$/.test(digits)) throw bad("no decimal length");
    const length = Number(digits);
    const end = pos + length;
    if (end > bytes.length || end <= space + 1) throw bad(`length ${length} overruns the header`);
    if (bytes[end - 1] !== NEWLINE) throw bad("not terminated by a newline");
    const body = bytes.subarray(space + 1, end - 1);
    const equals = body.indexOf(EQUALS);
    if (equals <= 0) throw bad("no key=value");
    const key = UTF8_DECODER.decode(body.subarray(0, equals));
    records[key] = decodeValue(key, body.subarray(equals + 1));
    pos = end;
  }
  return records;
}

/** One record, its length prefix computed so that it counts its own digits. */
function encodeRecord(key: string, value: string): Uint8Array {
  const keyBytes = UTF8_ENCODER.encode(key);
  const valueBytes = encodeValue(key, value);
  const rest = keyBytes.length + valueBytes.length + 3; // space, "=", newline
  let length = rest + String(rest).length;
  while (String(length).length + rest !== length) length = rest + String(length).length;
  const record = new Uint8Array(length);
  const lengthBytes = UTF8_ENCODER.encode(`${length} `);
  record.set(lengthBytes, 0);
  record.set(keyBytes, lengthBytes.length);
  record[lengthBytes.length + keyBytes.length] = EQUALS;
  record.set(valueBytes, lengthBytes.length + keyBytes.length + 1);
  record[length - 1] = NEWLINE;
  return record;
}

/**
 * Encodes records in the order given (callers sort them, for reproducible archives). Keys must be
 * PAX keys (`isPaxKey`) and `SCHILY.xattr.*` values byte strings (`isByteString`): callers check.
 */
export function encodePaxRecords(records: readonly (readonly [string, string])[]): Uint8Array {
  const parts = records.map(([key, value]) => {
    assert(isPaxKey(key), `invalid PAX key ${JSON.stringify(key)}`);
    return encodeRecord(key, value);
  });
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Applies a global (`g`) header: its records hold for all later entries; an empty value removes one. */
export function mergeGlobals(
  globals: Readonly<Record<string, string>>,
  records: Readonly<Record<string, string>>,
): Record<string, string> {
  const merged = { ...globals };
  for (const [key, value] of Object.entries(records)) {
    if (value === "") delete merged[key];
    else merged[key] = value;
  }
  return merged;
}
