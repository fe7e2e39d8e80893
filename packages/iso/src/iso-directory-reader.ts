/**
 * Reading one directory of an ISO 9660 image (ECMA-119 §6.8, §9.1): its extent sector by sector,
 * each record decoded (records never cross a sector; a zero length byte ends a sector's records),
 * "." and ".." first, then the children with their Rock Ridge attributes (continuation areas
 * followed) and their name: Rock Ridge's NM, or the identifier without its version. A file recorded
 * in several extents (multi-extent, flag 0x80 on all records but the last, §6.5.1) is one child.
 * Associated files (flag 0x04) are left out, as Linux leaves them out by default.
 *
 * Everything malformed is an ISO_BAD_IMAGE naming the directory's LBA and path: a record that runs
 * past its sector or is shorter than its identifier, a first record that is not ".", a name a path
 * cannot hold, an extent past the image's end.
 */
import { type DirectoryRecord, directoryRecordFromBytes, FILE_FLAG_DIRECTORY } from "./directory-record.js";
import { IsoError } from "./errors.js";
import { nameOfIsoIdentifier } from "./iso-identifier.js";
import { type IsoSource, readImageBytes } from "./iso-source.js";
import { type RockRidgeAttributes, rockRidgeAttributesOf } from "./rock-ridge-entries.js";
import { gatherSystemUseEntries } from "./system-use-area.js";
import { SECTOR_SIZE } from "./volume-descriptor.js";

const FILE_FLAG_ASSOCIATED = 0x04;
const FILE_FLAG_MULTI_EXTENT = 0x80;
/** A directory is read this many sectors at a time. */
const READ_SECTORS = 16;

/** How the volume's records are to be read. */
export interface DirectoryReadOptions {
  /** SUSP is in use: each record's system use area holds Rock Ridge entries. */
  readonly rockRidge: boolean;
  /** SP's LEN_SKP: bytes before the entries in each area (but the root's "." record's). */
  readonly skipBytes: number;
}

/** A piece of a file's data. */
export interface Extent {
  readonly lba: number;
  readonly length: number;
}

/** One record of a directory, decoded. */
export interface ReadRecord {
  /** The real name: Rock Ridge's NM, else the ISO 9660 identifier without `;1`. */
  readonly name: string;
  readonly isDirectory: boolean;
  /** The data (a multi-extent file has several; a directory its one extent). */
  readonly extents: readonly Extent[];
  /** The record's date, seconds since the epoch. */
  readonly recordedAtSeconds: number;
  /** Present when the volume has Rock Ridge. */
  readonly rockRidge?: RockRidgeAttributes;
}

/** A directory: its own "." record and its children (".." left out), in the order on the medium. */
export interface ReadDirectory {
  readonly self: ReadRecord;
  readonly children: readonly ReadRecord[];
}

/**
 * Reads the directory whose extent starts at `lba`: `length` bytes, or, when not given (a directory
 * reached through Rock Ridge's CL), as many as its "." record says.
 * @throws {IsoError} ISO_BAD_IMAGE (see the module comment)
 */
export async function readDirectory(
  source: IsoSource,
  at: { readonly lba: number; readonly length?: number; readonly path: string; readonly isRoot: boolean },
  options: DirectoryReadOptions,
): Promise<ReadDirectory> {
  const where = `directory ${at.path} at LBA ${at.lba}`;
  const sectorAt = (sector: number, count: number) =>
    readImageBytes(
      source,
      (at.lba + sector) * SECTOR_SIZE,
      count * SECTOR_SIZE,
      `${where} (sector ${sector})`,
    );
  let length = at.length;
  if (length === undefined) {
    const self = recordsOfSector(await sectorAt(0, 1), where, 0)[0]?.record;
    if (self === undefined || !isSelf(self)) throw malformed(`${where}: its first record is not "."`);
    length = self.dataLength;
  }
  if (length === 0 || at.lba * SECTOR_SIZE + length > source.sizeBytes) {
    throw malformed(
      `${where}: an extent of ${length} bytes does not fit the image (${source.sizeBytes} bytes); the image is truncated or malformed`,
    );
  }
  const raw: { record: DirectoryRecord; where: string }[] = [];
  const sectors = Math.ceil(length / SECTOR_SIZE);
  for (let sector = 0; sector < sectors; sector += READ_SECTORS) {
    const count = Math.min(READ_SECTORS, sectors - sector);
    const bytes = await sectorAt(sector, count);
    for (let i = 0; i < count; i++) {
      const sectorBytes = bytes.subarray(i * SECTOR_SIZE, (i + 1) * SECTOR_SIZE);
      raw.push(...recordsOfSector(sectorBytes, where, sector + i));
    }
  }
  const [self, parent, ...rest] = raw;
  if (self === undefined || !isSelf(self.record)) throw malformed(`${where}: its first record is not "."`);
  if (parent === undefined || !isParent(parent.record))
    throw malformed(`${where}: its second record is not ".."`);
  const decode = (r: DirectoryRecord, extents: Extent[], recordWhere: string, skip: number) =>
    decodeRecord(source, r, extents, { ...options, skipBytes: skip }, recordWhere);
  const selfRecord = await decode(
    self.record,
    [{ lba: self.record.extentLba, length: self.record.dataLength }],
    self.where,
    at.isRoot ? 0 : options.skipBytes,
  );
  const children: ReadRecord[] = [];
  for (let i = 0; i < rest.length; i++) {
    const first = rest[i]!;
    if (first.record.fileFlags & FILE_FLAG_ASSOCIATED) continue;
    const extents = [{ lba: first.record.extentLba, length: first.record.dataLength }];
    // A multi-extent file: the records up to the one without the flag, all with the same identifier.
    let last = first;
    while (last.record.fileFlags & FILE_FLAG_MULTI_EXTENT) {
      const next = rest[i + 1];
      if (next === undefined || !sameBytes(next.record.identifier, first.record.identifier))
        throw malformed(`${last.where}: a multi-extent file's last record is missing`);
      extents.push({ lba: next.record.extentLba, length: next.record.dataLength });
      last = next;
      i++;
    }
    const child = await decode(first.record, extents, first.where, options.skipBytes);
    checkName(child.name, first.where);
    checkExtents(source, child, first.where);
    children.push(child);
  }
  return { self: selfRecord, children };
}

/** The records of one sector of a directory's extent. */
function recordsOfSector(
  bytes: Uint8Array,
  where: string,
  sector: number,
): { record: DirectoryRecord; where: string }[] {
  const found: { record: DirectoryRecord; where: string }[] = [];
  for (let offset = 0; offset < SECTOR_SIZE; ) {
    const length = bytes[offset] ?? 0;
    if (length === 0) break; // the rest of the sector is unused (§6.8.1.1)
    const recordWhere = `${where}, record at byte ${sector * SECTOR_SIZE + offset}`;
    const identifierLength = bytes[offset + 32] ?? 0;
    if (length < 34 || offset + length > SECTOR_SIZE || 33 + identifierLength > length) {
      throw malformed(
        `${recordWhere}: ${length} bytes with a ${identifierLength}-byte identifier do not fit; the directory is malformed`,
      );
    }
    found.push({
      record: directoryRecordFromBytes(bytes.subarray(offset, offset + length))!,
      where: recordWhere,
    });
    offset += length;
  }
  return found;
}

async function decodeRecord(
  source: IsoSource,
  record: DirectoryRecord,
  extents: readonly Extent[],
  options: DirectoryReadOptions,
  where: string,
): Promise<ReadRecord> {
  const isDirectory = (record.fileFlags & FILE_FLAG_DIRECTORY) !== 0;
  const base = {
    isDirectory,
    extents,
    recordedAtSeconds: record.recordedAtSeconds,
    name: nameOfIsoIdentifier(latin1(record.identifier)),
  };
  if (!options.rockRidge) return base;
  const entries = await gatherSystemUseEntries(record.systemUse.subarray(options.skipBytes), (place) =>
    readImageBytes(
      source,
      place.lba * SECTOR_SIZE + place.offset,
      place.length,
      `${where}: continuation area at LBA ${place.lba}`,
    ),
  );
  const rockRidge = rockRidgeAttributesOf(entries);
  return { ...base, ...(rockRidge.name !== undefined ? { name: rockRidge.name } : {}), rockRidge };
}

/** A child's data must be in the image. */
function checkExtents(source: IsoSource, record: ReadRecord, where: string): void {
  for (const extent of record.extents) {
    if (extent.length > 0 && extent.lba * SECTOR_SIZE + extent.length > source.sizeBytes) {
      throw malformed(
        `${where} (${record.name}): its extent at LBA ${extent.lba} of ${extent.length} bytes ends past the image's end (${source.sizeBytes} bytes); the image is truncated`,
      );
    }
  }
}

/** A name must be one path component. */
function checkName(name: string, where: string): void {
  if (name === "" || name === "." || name === ".." || name.includes("/") || name.includes("\u0000")) {
    throw malformed(`${where}: the name ${JSON.stringify(name)} cannot be a path component`);
  }
}

function isSelf(record: DirectoryRecord): boolean {
  return record.identifier.length === 1 && record.identifier[0] === 0;
}

function isParent(record: DirectoryRecord): boolean {
  return record.identifier.length === 1 && record.identifier[0] === 1;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function latin1(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

function malformed(message: string): IsoError {
  return new IsoError("ISO_BAD_IMAGE", message);
}
