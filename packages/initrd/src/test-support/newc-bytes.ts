/**
 * Hand-made newc members for reader tests: archives the writer would never produce (GNU-style hard
 * links, "crc" checksums, odd types, corruption), built from the header codec.
 */
import {
  encodeNewcHeader,
  NEWC_HEADER_SIZE,
  type NewcHeaderFields,
  pad4,
  TRAILER_NAME,
} from "../newc-header.js";
import { utf8 } from "./streams.js";

export type MemberFields = Partial<Omit<NewcHeaderFields, "nameSize">>;

/** One member: header (070701 unless `fields.magic` says 070702), name, data, padding. */
export function newcMember(name: string, fields: MemberFields = {}, data: Uint8Array | string = ""): Buffer {
  const bytes = typeof data === "string" ? utf8(data) : data;
  const nameBytes = utf8(name);
  const headLength = NEWC_HEADER_SIZE + nameBytes.length + 1;
  const out = Buffer.alloc(headLength + pad4(headLength) + bytes.length + pad4(bytes.length));
  const { magic = "070701", ...rest } = fields;
  encodeNewcHeader(
    {
      ino: 1,
      mode: 0o100644,
      uid: 0,
      gid: 0,
      nlink: 1,
      mtime: 0,
      fileSize: bytes.length,
      devMajor: 0,
      devMinor: 0,
      rdevMajor: 0,
      rdevMinor: 0,
      check: 0,
      ...rest,
      nameSize: nameBytes.length + 1,
    },
    out,
    0,
    name,
  );
  out.write(magic, 0, "latin1");
  out.set(nameBytes, NEWC_HEADER_SIZE);
  out.set(bytes, headLength + pad4(headLength));
  return out;
}

/** The trailer member. */
export function newcTrailer(): Buffer {
  return newcMember(TRAILER_NAME, { mode: 0, ino: 0 });
}

/** Members followed by the trailer. */
export function newcArchive(...members: Uint8Array[]): Buffer {
  return Buffer.concat([...members, newcTrailer()]);
}

/** The byte sum a "crc" member carries. */
export function byteSum(data: Uint8Array | string): number {
  let sum = 0;
  for (const byte of typeof data === "string" ? utf8(data) : data) sum += byte;
  return sum % 0x1_0000_0000;
}
