/**
 * The Rock Ridge entries (RRIP 1.10, IEEE P1282 "RRIP_1991A") that carry what ISO 9660 cannot: the
 * real name (NM), POSIX attributes (PX), device numbers (PN), symbolic link targets (SL), times (TF),
 * and the extension's announcement (ER) in the root's first record. Long names and targets are split
 * across several entries with the CONTINUE flag (RRIP §4.1.4, §4.1.3), always between characters.
 *
 * Choices:
 * - TF records modify, access and attribute-change times, all the entry's mtime (whole seconds), so
 *   that the image depends on nothing but its inputs.
 * - PN: major < 4096 and minor < 256 are stored as the classic 16-bit number in the low field (high
 *   0), which both Linux (fs/isofs/rock.c) and glibc's makedev (xorriso) read back; larger numbers as
 *   high = major, low = minor, Linux's reading of the two fields.
 * - SL: empty components are dropped, so `a//b` and `a/` read back as `a/b` and `a`.
 *
 * Reading (`rockRidgeAttributesOf`) is the other way round, for any writer's entries: NM pieces
 * joined, PX's type bits and permissions apart, TF's modify time, SL's components as a target, PN
 * as (major, minor), and the relocation entries CL, PL and RE (RRIP §4.1.5).
 */
import type { SymlinkComponent, SystemUseEntry } from "./system-use-entry.js";

/** The ER entry announcing RRIP 1.10, with the texts the RRIP specification gives (§5.5). */
export const RRIP_1991A_ER: SystemUseEntry = {
  signature: "ER",
  identifier: "RRIP_1991A",
  descriptor: "THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS",
  source:
    "PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.  SEE PUBLISHER IDENTIFIER IN PRIMARY VOLUME DESCRIPTOR FOR CONTACT INFORMATION.",
  extensionVersion: 1,
};

/** POSIX file type bits (st_mode's S_IFMT) as PX records them. */
export const S_IFMT = {
  fifo: 0o010000,
  char: 0o020000,
  dir: 0o040000,
  block: 0o060000,
  file: 0o100000,
  symlink: 0o120000,
} as const;

/** The most bytes of text one NM or one SL entry carries (255 minus header and flags). */
const ENTRY_TEXT_MAX = 250;

const encoder = new TextEncoder();

/** NM entries for `name`, split into pieces of at most 250 bytes. */
export function nameEntries(name: string): SystemUseEntry[] {
  const pieces = splitUtf8(name, ENTRY_TEXT_MAX);
  return pieces.map((piece, i) => ({ signature: "NM", continues: i < pieces.length - 1, name: piece }));
}

/** PX for a file type and permission bits. */
export function posixEntry(
  type: keyof typeof S_IFMT,
  permissions: number,
  nlink: number,
  uid: number,
  gid: number,
): SystemUseEntry {
  return { signature: "PX", mode: S_IFMT[type] | permissions, nlink, uid, gid };
}

/** TF with modify, access and attribute-change times all `seconds`. */
export function timeEntry(seconds: number): SystemUseEntry {
  return { signature: "TF", modify: seconds, access: seconds, attributes: seconds };
}

/** PN for a device (see the module comment for the encoding). */
export function deviceEntry(major: number, minor: number): SystemUseEntry {
  if (major < 0x1000 && minor < 0x100) return { signature: "PN", devHigh: 0, devLow: (major << 8) | minor };
  return { signature: "PN", devHigh: major, devLow: minor };
}

/** SL entries for a link target: components of at most 250 bytes per entry, names split as needed. */
export function symlinkEntries(target: string): SystemUseEntry[] {
  const entries: SymlinkComponent[][] = [];
  let current: SymlinkComponent[] = [];
  let used = 0;
  const flush = () => {
    entries.push(current);
    current = [];
    used = 0;
  };
  const push = (component: SymlinkComponent, size: number) => {
    current.push(component);
    used += size;
  };
  for (const { kind, text } of targetComponents(target)) {
    if (kind !== "name") {
      if (used + 2 > ENTRY_TEXT_MAX) flush();
      push({ kind, text: "", continues: false }, 2);
      continue;
    }
    let rest = text;
    while (rest !== "") {
      const room = ENTRY_TEXT_MAX - used - 2;
      const [piece, after] = room > 0 ? takeUtf8(rest, room) : ["", rest];
      if (piece === "") {
        flush();
        continue;
      }
      push({ kind: "name", text: piece, continues: after !== "" }, 2 + encoder.encode(piece).length);
      rest = after;
      if (rest !== "") flush();
    }
  }
  if (current.length > 0 || entries.length === 0) flush();
  return entries.map((components, i) => ({ signature: "SL", continues: i < entries.length - 1, components }));
}

/** What a record's Rock Ridge entries say, for a reader; absent fields had no entry. */
export interface RockRidgeAttributes {
  /** NM's pieces joined. */
  readonly name?: string;
  /** The file type PX's mode gives; `undefined` for one FsEntry has no word for (a socket). */
  readonly type?: keyof typeof S_IFMT;
  /** PX's permission bits with setuid, setgid and sticky (no type bits). */
  readonly mode?: number;
  readonly nlink?: number;
  readonly uid?: number;
  readonly gid?: number;
  /** TF's modify time, seconds since the epoch. */
  readonly mtime?: number;
  /** SL's components as a target. */
  readonly linkTarget?: string;
  readonly devMajor?: number;
  readonly devMinor?: number;
  /** CL: this record stands for a directory relocated to the extent at this LBA. */
  readonly childLinkLba?: number;
  /** PL: in a relocated directory's "..", the extent of its real parent. */
  readonly parentLinkLba?: number;
  /** RE: this record is a relocated directory, listed in its real parent through a CL. */
  readonly relocated: boolean;
}

/** Reads the Rock Ridge attributes out of a record's entries (continuation areas already followed). */
export function rockRidgeAttributesOf(entries: readonly SystemUseEntry[]): RockRidgeAttributes {
  let name = "";
  const components: SymlinkComponent[] = [];
  let hasLink = false;
  let relocated = false;
  const found: Omit<RockRidgeAttributes, "name" | "linkTarget" | "relocated">[] = [];
  for (const entry of entries) {
    switch (entry.signature) {
      case "NM":
        name += entry.name;
        break;
      case "PX": {
        const typeBits = entry.mode & 0o170000;
        const type = FILE_TYPES.find((t) => S_IFMT[t] === typeBits);
        const { nlink, uid, gid } = entry;
        found.push({ ...(type ? { type } : {}), mode: entry.mode & 0o7777, nlink, uid, gid });
        break;
      }
      case "TF":
        if (entry.modify !== undefined) found.push({ mtime: entry.modify });
        break;
      case "SL":
        hasLink = true;
        components.push(...entry.components);
        break;
      case "PN":
        found.push(deviceNumbersOf(entry.devHigh, entry.devLow));
        break;
      case "CL":
        found.push({ childLinkLba: entry.lba });
        break;
      case "PL":
        found.push({ parentLinkLba: entry.lba });
        break;
      case "RE":
        relocated = true;
        break;
    }
  }
  return {
    ...Object.assign({}, ...found),
    // NM's CURRENT and PARENT forms (for "." and "..") have no text.
    ...(name !== "" ? { name } : {}),
    ...(hasLink ? { linkTarget: symlinkTargetOf(components) } : {}),
    relocated,
  };
}

const FILE_TYPES = Object.keys(S_IFMT) as (keyof typeof S_IFMT)[];

/**
 * The device numbers a PN entry's fields give. With high 0, low is a 32-bit dev_t in glibc's
 * encoding (major in bits 8–19, minor in 0–7 and 20–31): what genisoimage and xorriso write and, for
 * the classic 16-bit numbers, what `deviceEntry` writes and Linux reads. Otherwise high is the major
 * and low the minor, Linux's reading (fs/isofs/rock.c) and `deviceEntry`'s wide numbers.
 */
export function deviceNumbersOf(devHigh: number, devLow: number): { devMajor: number; devMinor: number } {
  if (devHigh !== 0) return { devMajor: devHigh, devMinor: devLow };
  return { devMajor: (devLow >>> 8) & 0xfff, devMinor: (devLow & 0xff) | ((devLow >>> 12) & 0xfff00) };
}

/** The target that SL components spell (a reader's view: RRIP §4.1.3.1, Linux's rock.c). */
export function symlinkTargetOf(components: readonly SymlinkComponent[]): string {
  let target = "";
  components.forEach((c, i) => {
    target += c.kind === "root" ? "/" : c.kind === "parent" ? ".." : c.kind === "current" ? "." : c.text;
    if (i < components.length - 1 && c.kind !== "root" && !c.continues) target += "/";
  });
  return target;
}

function targetComponents(target: string): { kind: SymlinkComponent["kind"]; text: string }[] {
  const components: { kind: SymlinkComponent["kind"]; text: string }[] = [];
  if (target.startsWith("/")) components.push({ kind: "root", text: "" });
  for (const part of target.split("/")) {
    if (part === "") continue;
    if (part === ".") components.push({ kind: "current", text: "" });
    else if (part === "..") components.push({ kind: "parent", text: "" });
    else components.push({ kind: "name", text: part });
  }
  return components;
}

/** Splits `text` into pieces of at most `budget` UTF-8 bytes, between code points. */
export function splitUtf8(text: string, budget: number): string[] {
  if (text.length * 3 <= budget || encoder.encode(text).length <= budget) return [text];
  const pieces: string[] = [];
  let rest = text;
  do {
    const [piece, after] = takeUtf8(rest, budget);
    pieces.push(piece);
    rest = after;
  } while (rest !== "");
  return pieces;
}

/** The longest prefix of `text` of at most `budget` UTF-8 bytes, and the rest. */
function takeUtf8(text: string, budget: number): [string, string] {
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = encoder.encode(char).length;
    if (bytes + size > budget) break;
    bytes += size;
    end += char.length;
  }
  return [text.slice(0, end), text.slice(end)];
}
