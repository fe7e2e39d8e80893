/**
 * The directory records of one planned directory — ".", "..", then its children — with their
 * extents and, in the primary hierarchy with Rock Ridge, their system use entries: SP (the root's
 * "." only, first, SUSP §5.3), PX, TF, NM, then PN / SL / CL / PL / RE as the object needs, and ER
 * (the root's "." only, RRIP_1991A). Where extents are comes from a locator, so that the same code
 * measures records before sectors are assigned (any locator gives the same sizes) and fills them in
 * after. Every record's date is the recording time; the entry's own mtime is in TF. Identifiers are
 * strings ("\u0000" and "\u0001" for "." and ".."), recorded as d-characters or Joliet's UCS-2.
 */
import { PARENT_IDENTIFIER, SELF_IDENTIFIER } from "./directory-record.js";
import type { PlannedChild, PlannedDirectory } from "./iso-directories.js";
import type { IsoHierarchyLayout } from "./iso-layout.js";
import type { FileData, TreeNode } from "./iso-tree.js";
import { ucs2Bytes } from "./joliet-identifier.js";
import {
  deviceEntry,
  nameEntries,
  posixEntry,
  RRIP_1991A_ER,
  symlinkEntries,
  timeEntry,
} from "./rock-ridge-entries.js";
import type { SystemUseEntry } from "./system-use-entry.js";

/** Where directories and file data are. */
export interface ExtentLocator {
  directory(dir: PlannedDirectory): { readonly lba: number; readonly bytes: number };
  data(data: FileData): number;
}

/** A record before it is placed in its directory's extent. */
export interface RecordDraft {
  readonly identifier: string;
  readonly extentLba: number;
  readonly dataLength: number;
  readonly isDirectory: boolean;
  readonly systemUse: readonly SystemUseEntry[];
}

export const SELF = "\u0000";
export const PARENT = "\u0001";

type Encoding = IsoHierarchyLayout["encoding"];

/** An identifier's length in bytes, counted: "." and ".." are one byte; Joliet's UCS-2 two a unit. */
export function identifierLength(identifier: string, encoding: Encoding): number {
  if (identifier === SELF || identifier === PARENT) return 1;
  return encoding === "ucs-2" ? 2 * identifier.length : identifier.length;
}

/** An identifier's recorded bytes (ECMA-119 §9.1.11, Joliet §3.2); "." and ".." are 0x00 and 0x01. */
export function identifierBytes(identifier: string, encoding: Encoding): Uint8Array {
  if (identifier === SELF) return SELF_IDENTIFIER;
  if (identifier === PARENT) return PARENT_IDENTIFIER;
  return encoding === "ucs-2" ? ucs2Bytes(identifier) : Uint8Array.from(identifier, (c) => c.charCodeAt(0));
}

/**
 * The records of `dir` in order; system use entries only when `rockRidge`, from `attributes`
 * (`directoryAttributesOf` the hierarchy).
 */
export function recordsOf(
  dir: PlannedDirectory,
  locate: ExtentLocator,
  options: {
    readonly rockRidge: boolean;
    readonly attributes: ReadonlyMap<PlannedDirectory, DirectoryAttributes>;
  },
): RecordDraft[] {
  const rr = options.rockRidge;
  const attributes = (d: PlannedDirectory) => options.attributes.get(d)!;
  const own = locate.directory(dir);
  const isRoot = dir.parent === dir;
  const parent = locate.directory(dir.parent);
  const realParent = dir.realParent ?? dir.parent;
  const records: RecordDraft[] = [
    {
      identifier: SELF,
      extentLba: own.lba,
      dataLength: own.bytes,
      isDirectory: true,
      systemUse: rr
        ? [
            ...(isRoot ? [{ signature: "SP" } as const] : []),
            ...directoryEntries(attributes(dir)),
            ...(isRoot ? [RRIP_1991A_ER] : []),
          ]
        : [],
    },
    {
      identifier: PARENT,
      extentLba: parent.lba,
      dataLength: parent.bytes,
      isDirectory: true,
      systemUse: rr
        ? [
            ...directoryEntries(attributes(realParent)),
            ...(dir.realParent
              ? [{ signature: "PL", lba: locate.directory(dir.realParent).lba } as const]
              : []),
          ]
        : [],
    },
  ];
  for (const child of dir.children) records.push(childRecord(child, locate, rr, attributes));
  return records;
}

function childRecord(
  child: PlannedChild,
  locate: ExtentLocator,
  rr: boolean,
  attributes: (d: PlannedDirectory) => DirectoryAttributes,
): RecordDraft {
  const { identifier } = child;
  switch (child.kind) {
    case "dir": {
      const extent = locate.directory(child.directory);
      const entries = rr
        ? [
            ...directoryEntries(attributes(child.directory)),
            ...nameEntries(child.directory.name),
            ...(child.moved ? [{ signature: "RE" } as const] : []),
          ]
        : [];
      return {
        identifier,
        extentLba: extent.lba,
        dataLength: extent.bytes,
        isDirectory: true,
        systemUse: entries,
      };
    }
    case "relocated": {
      const entries = rr
        ? [
            ...directoryEntries(attributes(child.directory)),
            ...nameEntries(child.directory.name),
            { signature: "CL", lba: locate.directory(child.directory).lba } as const,
          ]
        : [];
      return { identifier, extentLba: 0, dataLength: 0, isDirectory: false, systemUse: entries };
    }
    case "leaf":
      return leafRecord(identifier, child.node, locate, rr);
  }
}

function leafRecord(identifier: string, node: TreeNode, locate: ExtentLocator, rr: boolean): RecordDraft {
  const size = node.data?.size ?? 0;
  const extentLba = node.data !== undefined && size > 0 ? locate.data(node.data) : 0;
  if (!rr) return { identifier, extentLba, dataLength: size, isDirectory: false, systemUse: [] };
  const entries: SystemUseEntry[] = [
    posixEntry(node.type, node.mode, node.data?.names ?? 1, node.uid, node.gid),
    timeEntry(node.mtime),
    ...nameEntries(node.name),
  ];
  if (node.type === "char" || node.type === "block")
    entries.push(deviceEntry(node.devMajor ?? 0, node.devMinor ?? 0));
  if (node.type === "symlink") entries.push(...symlinkEntries(node.linkTarget ?? ""));
  return { identifier, extentLba, dataLength: size, isDirectory: false, systemUse: entries };
}

/** What PX and TF record of a directory. */
export interface DirectoryAttributes {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtime: number;
  readonly nlink: number;
}

/**
 * Each directory's attributes, counted once per plan: a directory's "." record, its record in its
 * parent and each of its subdirectories' ".." records carry them, and nlink counts its children.
 */
export function directoryAttributesOf(
  dirs: readonly PlannedDirectory[],
  recordedAtSeconds: number,
): Map<PlannedDirectory, DirectoryAttributes> {
  return new Map(dirs.map((dir) => [dir, directoryAttributes(dir, recordedAtSeconds)]));
}

/** A directory's attributes; RR_MOVED's are fixed (0555, 0:0, the recording time). */
function directoryAttributes(dir: PlannedDirectory, recordedAtSeconds: number): DirectoryAttributes {
  const node = dir.node;
  if (node === undefined) return { mode: 0o555, uid: 0, gid: 0, mtime: recordedAtSeconds, nlink: 2 };
  let subdirectories = 0;
  for (const child of node.children!.values()) if (child.type === "dir") subdirectories++;
  if (dir.parent === dir && dir.children.some((c) => c.kind === "dir" && c.directory.node === undefined))
    subdirectories++;
  return { mode: node.mode, uid: node.uid, gid: node.gid, mtime: node.mtime, nlink: 2 + subdirectories };
}

function directoryEntries(a: DirectoryAttributes): SystemUseEntry[] {
  return [posixEntry("dir", a.mode, a.nlink, a.uid, a.gid), timeEntry(a.mtime)];
}

/** Joliet records of `dir`: the same extents, Joliet identifiers, no system use entries. */
export function jolietRecordsOf(dir: PlannedDirectory, locate: ExtentLocator): RecordDraft[] {
  const own = locate.directory(dir);
  const parent = locate.directory(dir.parent);
  const records: RecordDraft[] = [
    { identifier: SELF, extentLba: own.lba, dataLength: own.bytes, isDirectory: true, systemUse: [] },
    { identifier: PARENT, extentLba: parent.lba, dataLength: parent.bytes, isDirectory: true, systemUse: [] },
  ];
  for (const child of dir.children) {
    if (child.kind === "leaf") records.push(leafRecord(child.identifier, child.node, locate, false));
    else {
      const extent = locate.directory(child.directory);
      records.push({
        identifier: child.identifier,
        extentLba: extent.lba,
        dataLength: extent.bytes,
        isDirectory: true,
        systemUse: [],
      });
    }
  }
  return records;
}
