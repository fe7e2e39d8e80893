/**
 * The entries of a directory record's system use area: the System Use Sharing Protocol's own (SUSP
 * 1.12 §5: SP, CE, ER) and Rock Ridge's (RRIP 1.10, "RRIP_1991A", §4.1: PX, PN, SL, NM, TF, CL, PL,
 * RE). Each is a 2-byte signature, a length byte, a version byte (1) and its data; numbers are in
 * both byte orders, dates in the 7-byte form of ECMA-119 §9.1.5. Text (NM names, SL components) is
 * the bytes of the entry's name as given, UTF-8 here. Splitting long names and link targets across
 * entries is in rock-ridge-entries.ts; packing entries into records and continuation areas in
 * system-use-area.ts.
 *
 * Left out: RRIP 1.12's 44-byte PX with a file serial number (read, not written), TF's long form
 * (17-byte dates), SF (sparse files), the obsolete RR entry, PD padding and ST (a record's area simply
 * ends).
 */
import { assert } from "@ocikit/errors";
import { getBoth32, setBoth32 } from "./both-byte-order.js";
import { recordDateFromBytes, recordDateToBytes } from "./iso-date.js";

/** One component of a symbolic link's target (RRIP §4.1.3.1). */
export interface SymlinkComponent {
  /** `name`: the text; `current` ".", `parent` "..", `root` "/" (a leading slash). */
  readonly kind: "name" | "current" | "parent" | "root";
  readonly text: string;
  /** The component goes on in the next component record (a name split across SL entries). */
  readonly continues: boolean;
}

/** A decoded or to-be-encoded system use entry. */
export type SystemUseEntry =
  | { readonly signature: "SP" }
  | { readonly signature: "CE"; readonly lba: number; readonly offset: number; readonly length: number }
  | {
      readonly signature: "ER";
      readonly identifier: string;
      readonly descriptor: string;
      readonly source: string;
      readonly extensionVersion: number;
    }
  | {
      readonly signature: "PX";
      /** st_mode: the file type bits and the permission bits. */
      readonly mode: number;
      readonly nlink: number;
      readonly uid: number;
      readonly gid: number;
    }
  | { readonly signature: "PN"; readonly devHigh: number; readonly devLow: number }
  | {
      readonly signature: "SL";
      readonly continues: boolean;
      readonly components: readonly SymlinkComponent[];
    }
  | { readonly signature: "NM"; readonly continues: boolean; readonly name: string }
  | {
      readonly signature: "TF";
      /** Seconds since the epoch; those present are recorded, in this order (RRIP §4.1.6). */
      readonly creation?: number;
      readonly modify?: number;
      readonly access?: number;
      readonly attributes?: number;
    }
  | { readonly signature: "CL"; readonly lba: number }
  | { readonly signature: "PL"; readonly lba: number }
  | { readonly signature: "RE" }
  | { readonly signature: "unknown"; readonly name: string; readonly data: Uint8Array };

/** The largest entry: its length is one byte. */
export const SYSTEM_USE_ENTRY_MAX = 255;
export const CE_LENGTH = 28;

const TF_ORDER = ["creation", "modify", "access", "attributes"] as const;
const SL_FLAGS = { name: 0, current: 0x02, parent: 0x04, root: 0x08 } as const;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encodes one entry. */
export function systemUseEntryToBytes(entry: SystemUseEntry): Uint8Array {
  const data = entryData(entry);
  const length = 4 + data.length;
  assert(length <= SYSTEM_USE_ENTRY_MAX, `${entry.signature} entry of ${length} bytes`);
  // The plan was laid out with the counted length; bytes of another length would overlap.
  assert(
    length === systemUseEntryLength(entry),
    `${entry.signature} entry of ${length} bytes, counted otherwise`,
  );
  const bytes = new Uint8Array(length);
  const name = entry.signature === "unknown" ? entry.name : entry.signature;
  bytes[0] = name.charCodeAt(0);
  bytes[1] = name.charCodeAt(1);
  bytes[2] = length;
  bytes[3] = 1;
  bytes.set(data, 4);
  return bytes;
}

/**
 * The encoded length of one entry, counted rather than encoded: the planner asks for it several
 * times per entry (measuring, splitting), and encoding each time cost most of planning.
 */
export function systemUseEntryLength(entry: SystemUseEntry): number {
  return 4 + entryDataLength(entry);
}

/** `entryData(entry).length`, without building the bytes. */
function entryDataLength(entry: SystemUseEntry): number {
  switch (entry.signature) {
    case "SP":
      return 3;
    case "CE":
      return 3 * 8;
    case "ER":
      return 4 + utf8Length(entry.identifier) + utf8Length(entry.descriptor) + utf8Length(entry.source);
    case "PX":
      return 4 * 8;
    case "PN":
      return 2 * 8;
    case "SL":
      return entry.components.reduce((sum, c) => sum + 2 + (c.kind === "name" ? utf8Length(c.text) : 0), 1);
    case "NM":
      return 1 + utf8Length(entry.name);
    case "TF":
      return TF_ORDER.reduce((sum, key) => (entry[key] === undefined ? sum : sum + 7), 1);
    case "CL":
    case "PL":
      return 8;
    case "RE":
      return 0;
    case "unknown":
      return entry.data.length;
  }
}

/** The length of `TextEncoder.encode(text)`: a lone surrogate becomes U+FFFD, 3 bytes, as there. */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

function entryData(entry: SystemUseEntry): Uint8Array {
  switch (entry.signature) {
    case "SP":
      return Uint8Array.of(0xbe, 0xef, 0); // check bytes, LEN_SKP 0
    case "CE":
      return both32s(entry.lba, entry.offset, entry.length);
    case "ER": {
      const [id, des, src] = [entry.identifier, entry.descriptor, entry.source].map((t) => encoder.encode(t));
      return concat(
        Uint8Array.of(id!.length, des!.length, src!.length, entry.extensionVersion),
        id!,
        des!,
        src!,
      );
    }
    case "PX":
      return both32s(entry.mode, entry.nlink, entry.uid, entry.gid);
    case "PN":
      return both32s(entry.devHigh, entry.devLow);
    case "SL":
      return concat(
        Uint8Array.of(entry.continues ? 1 : 0),
        ...entry.components.map((c) => {
          const text = c.kind === "name" ? encoder.encode(c.text) : new Uint8Array(0);
          return concat(Uint8Array.of(SL_FLAGS[c.kind] | (c.continues ? 1 : 0), text.length), text);
        }),
      );
    case "NM":
      return concat(Uint8Array.of(entry.continues ? 1 : 0), encoder.encode(entry.name));
    case "TF": {
      const present = TF_ORDER.filter((key) => entry[key] !== undefined);
      const flags = TF_ORDER.reduce((f, key, bit) => (entry[key] === undefined ? f : f | (1 << bit)), 0);
      return concat(Uint8Array.of(flags), ...present.map((key) => recordDateToBytes(entry[key]!)));
    }
    case "CL":
    case "PL":
      return both32s(entry.lba);
    case "RE":
      return new Uint8Array(0);
    case "unknown":
      return entry.data;
  }
}

/**
 * SUSP §5.3: the LEN_SKP of the SP entry that opens the root's "." record area when the volume uses
 * SUSP (the bytes every other record's area starts with before its entries), or `undefined` when the
 * area does not start with an SP entry (signature, length 7, check bytes BE EF).
 */
export function suspSkipBytesOf(area: Uint8Array): number | undefined {
  const isSp = area[0] === 0x53 && area[1] === 0x50 && (area[2] ?? 0) >= 7;
  return isSp && area[4] === 0xbe && area[5] === 0xef ? area[6] : undefined;
}

/** Decodes the entries of a system use area (stops at its end, at padding, or at ST). */
export function systemUseEntriesFromBytes(area: Uint8Array): SystemUseEntry[] {
  const entries: SystemUseEntry[] = [];
  let at = 0;
  while (at + 4 <= area.length) {
    const length = area[at + 2] ?? 0;
    const name = String.fromCharCode(area[at] ?? 0, area[at + 1] ?? 0);
    if (length < 4 || at + length > area.length || name === "ST") break;
    entries.push(entryFromData(name, area.subarray(at + 4, at + length)));
    at += length;
  }
  return entries;
}

function entryFromData(name: string, d: Uint8Array): SystemUseEntry {
  switch (name) {
    case "SP":
      return { signature: "SP" };
    case "CE":
      return { signature: "CE", lba: getBoth32(d, 0), offset: getBoth32(d, 8), length: getBoth32(d, 16) };
    case "ER": {
      const [lenId = 0, lenDes = 0, lenSrc = 0, extensionVersion = 0] = d;
      const text = (from: number, length: number) => decoder.decode(d.subarray(from, from + length));
      return {
        signature: "ER",
        identifier: text(4, lenId),
        descriptor: text(4 + lenId, lenDes),
        source: text(4 + lenId + lenDes, lenSrc),
        extensionVersion,
      };
    }
    case "PX":
      return {
        signature: "PX",
        mode: getBoth32(d, 0),
        nlink: getBoth32(d, 8),
        uid: getBoth32(d, 16),
        gid: getBoth32(d, 24),
      };
    case "PN":
      return { signature: "PN", devHigh: getBoth32(d, 0), devLow: getBoth32(d, 8) };
    case "SL":
      return {
        signature: "SL",
        continues: ((d[0] ?? 0) & 1) === 1,
        components: symlinkComponents(d.subarray(1)),
      };
    case "NM":
      return { signature: "NM", continues: ((d[0] ?? 0) & 1) === 1, name: decoder.decode(d.subarray(1)) };
    case "TF": {
      const flags = d[0] ?? 0;
      const times: Record<string, number> = {};
      let at = 1;
      TF_ORDER.forEach((key, bit) => {
        if ((flags & (1 << bit)) === 0) return;
        times[key] = recordDateFromBytes(d.subarray(at, at + 7));
        at += 7;
      });
      return { signature: "TF", ...times };
    }
    case "CL":
    case "PL":
      return { signature: name, lba: getBoth32(d, 0) };
    case "RE":
      return { signature: "RE" };
    default:
      return { signature: "unknown", name, data: Uint8Array.from(d) };
  }
}

function symlinkComponents(d: Uint8Array): SymlinkComponent[] {
  const components: SymlinkComponent[] = [];
  let at = 0;
  while (at + 2 <= d.length) {
    const flags = d[at] ?? 0;
    const length = d[at + 1] ?? 0;
    const kind = flags & 0x08 ? "root" : flags & 0x04 ? "parent" : flags & 0x02 ? "current" : "name";
    components.push({
      kind,
      text: decoder.decode(d.subarray(at + 2, at + 2 + length)),
      continues: (flags & 1) === 1,
    });
    at += 2 + length;
  }
  return components;
}

function both32s(...values: number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 8);
  values.forEach((value, i) => {
    setBoth32(bytes, i * 8, value);
  });
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
}
