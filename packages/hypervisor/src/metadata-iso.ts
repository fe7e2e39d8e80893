/**
 * The `--data` / `--data-file` CD-ROM (reference §6.1): a plain ISO 9660 image (ECMA-119, no Rock
 * Ridge, no Joliet) holding one file, `config`, with the user's data. LinuxKit's `pkg/metadata`
 * mounts each `/dev/sr*` as iso9660 and reads `config` (or `user-data`) from its root; the label is
 * not looked at. LinuxKit writes the image with its `iso9660wrap` package; we write the same shape
 * in-house: 16 empty system-area sectors, a primary volume descriptor, the terminator, the L and M
 * path tables, the root directory and the file's extent, contiguous, 2048-byte sectors.
 *
 * - The file identifier is `CONFIG.;1`, the ECMA-119 form of "config" (d-characters, separator,
 *   version). Linux mounts plain ISO 9660 with `map=normal`, which lower-cases names and drops `.;1`,
 *   so the guest reads `/config` as from LinuxKit's image (whose identifier is a bare, lower-case
 *   `config`, outside the standard).
 * - The volume identifier is `config`, LinuxKit's (it uses the file name), so that the guest's
 *   `blkid` label and `/dev/disk/by-label/config` are the same; lower case is outside d-characters,
 *   but nothing that reads the label minds.
 * - Dates are fixed (default 1970-01-01T00:00:00Z) so that the same data gives the same bytes;
 *   LinuxKit stamps the current time.
 */
import { randomBytes } from "node:crypto";
import { rename, rm, writeFile } from "node:fs/promises";
import { HypervisorError } from "./errors.js";

/** Options of {@link metadataIsoBytes} and {@link writeMetadataIso}. */
export interface MetadataIsoOptions {
  /** The volume's and the file's recording date; default 1970-01-01T00:00:00Z. */
  readonly recordedAt?: Date;
}

/** The volume identifier (LinuxKit's). */
export const METADATA_VOLUME_ID = "config";
/** The ISO 9660 identifier of the data file; Linux shows it as `config`. */
export const METADATA_FILE_ID = "CONFIG.;1";

const SECTOR = 2048;
const PVD_LBA = 16;
const L_PATH_TABLE_LBA = 18;
const M_PATH_TABLE_LBA = 19;
const ROOT_LBA = 20;
const FILE_LBA = 21;
/** One path table record: the root (8 bytes + a 1-byte name + 1 pad byte). */
const PATH_TABLE_BYTES = 10;
/** A data length is 32 bits. */
const MAX_FILE_BYTES = 0xffff_ffff;

/**
 * The whole image for `data` (pure: the same data and date give the same bytes).
 * @throws HV_BAD_OPTION when the data does not fit one ISO 9660 file (4 GiB)
 */
export function metadataIsoBytes(data: Uint8Array, options: MetadataIsoOptions = {}): Uint8Array {
  if (data.length > MAX_FILE_BYTES) {
    throw new HypervisorError(
      "HV_BAD_OPTION",
      `--data-file: ${data.length} bytes do not fit one ISO 9660 file (at most ${MAX_FILE_BYTES}); give less data`,
    );
  }
  const date = options.recordedAt ?? new Date(0);
  const fileSectors = Math.ceil(data.length / SECTOR);
  const totalSectors = FILE_LBA + fileSectors;
  const image = new Uint8Array(totalSectors * SECTOR);
  image.set(primaryVolumeDescriptor(totalSectors, date), PVD_LBA * SECTOR);
  image.set(terminator(), (PVD_LBA + 1) * SECTOR);
  image.set(pathTable("le"), L_PATH_TABLE_LBA * SECTOR);
  image.set(pathTable("be"), M_PATH_TABLE_LBA * SECTOR);
  image.set(rootDirectory(data.length, date), ROOT_LBA * SECTOR);
  image.set(data, FILE_LBA * SECTOR);
  return image;
}

/**
 * Writes the metadata ISO for `data` at `path` (normally `<state>/data.iso`), atomically: a
 * temporary file beside it, renamed over it.
 * @throws HV_STATE when the file cannot be written; HV_BAD_OPTION for more than 4 GiB of data
 * @example
 * ```ts
 * await writeMetadataIso(new TextEncoder().encode('{"hostname":"vm1"}'), state.dataIso);
 * ```
 */
export async function writeMetadataIso(
  data: Uint8Array,
  path: string,
  options: MetadataIsoOptions = {},
): Promise<void> {
  const image = metadataIsoBytes(data, options);
  const temp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await writeFile(temp, image, { flag: "wx", mode: 0o644 });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw new HypervisorError(
      "HV_STATE",
      `${path}: cannot write the metadata ISO (${(error as NodeJS.ErrnoException).code ?? error}); check the state directory's permissions`,
      { cause: error },
    );
  }
}

/** ECMA-119 §8.4: the primary volume descriptor. */
function primaryVolumeDescriptor(totalSectors: number, date: Date): Uint8Array {
  const s = new Uint8Array(SECTOR);
  const view = new DataView(s.buffer);
  s[0] = 1;
  ascii(s, 1, "CD001");
  s[6] = 1;
  padded(s, 8, 32, ""); // system identifier
  padded(s, 40, 32, METADATA_VOLUME_ID);
  both32(view, 80, totalSectors);
  both16(view, 120, 1); // volume set size
  both16(view, 124, 1); // volume sequence number
  both16(view, 128, SECTOR);
  both32(view, 132, PATH_TABLE_BYTES);
  view.setUint32(140, L_PATH_TABLE_LBA, true);
  view.setUint32(148, M_PATH_TABLE_LBA, false);
  s.set(directoryRecord({ id: [0], lba: ROOT_LBA, size: SECTOR, isDir: true, date }), 156);
  // Volume set, publisher, data preparer, application (128 each); copyright, abstract, bibliographic (37 each).
  padded(s, 190, 128 * 4 + 37 * 3, "");
  s.set(volumeDate(date), 813); // creation
  s.set(volumeDate(date), 830); // modification
  s.set(volumeDate(undefined), 847); // expiration: none
  s.set(volumeDate(undefined), 864); // effective: at once
  s[881] = 1; // file structure version
  return s;
}

/** ECMA-119 §8.3: the volume descriptor set terminator. */
function terminator(): Uint8Array {
  const s = new Uint8Array(SECTOR);
  s[0] = 255;
  ascii(s, 1, "CD001");
  s[6] = 1;
  return s;
}

/** ECMA-119 §9.4: a path table with the root only, little-endian (L) or big-endian (M). */
function pathTable(order: "le" | "be"): Uint8Array {
  const s = new Uint8Array(SECTOR);
  const view = new DataView(s.buffer);
  s[0] = 1; // identifier length: the root's single 0x00
  view.setUint32(2, ROOT_LBA, order === "le");
  view.setUint16(6, 1, order === "le"); // parent: the root itself
  return s;
}

/** The root directory's extent: ".", "..", and the data file. */
function rootDirectory(fileBytes: number, date: Date): Uint8Array {
  const s = new Uint8Array(SECTOR);
  const self = directoryRecord({ id: [0], lba: ROOT_LBA, size: SECTOR, isDir: true, date });
  const parent = directoryRecord({ id: [1], lba: ROOT_LBA, size: SECTOR, isDir: true, date });
  const file = directoryRecord({
    id: Array.from(METADATA_FILE_ID, (c) => c.charCodeAt(0)),
    // An empty file has no extent to point at: location 0, as other writers do.
    lba: fileBytes === 0 ? 0 : FILE_LBA,
    size: fileBytes,
    isDir: false,
    date,
  });
  s.set(self, 0);
  s.set(parent, self.length);
  s.set(file, self.length + parent.length);
  return s;
}

/** ECMA-119 §9.1: a directory record, padded to an even length. */
function directoryRecord(r: {
  id: readonly number[];
  lba: number;
  size: number;
  isDir: boolean;
  date: Date;
}): Uint8Array {
  const length = 33 + r.id.length + (r.id.length % 2 === 0 ? 1 : 0);
  const b = new Uint8Array(length);
  const view = new DataView(b.buffer);
  b[0] = length;
  both32(view, 2, r.lba);
  both32(view, 10, r.size);
  b.set(recordDate(r.date), 18);
  b[25] = r.isDir ? 2 : 0;
  both16(view, 28, 1); // volume sequence number
  b[32] = r.id.length;
  b.set(r.id, 33);
  return b;
}

/** ECMA-119 §9.1.5: seven bytes, years since 1900 … seconds, then the offset from GMT (0). */
function recordDate(date: Date): Uint8Array {
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

/** ECMA-119 §8.4.26.1: "YYYYMMDDHHMMSScc" in digits and the offset from GMT; all zeros for none. */
function volumeDate(date: Date | undefined): Uint8Array {
  const b = new Uint8Array(17);
  if (date === undefined) {
    ascii(b, 0, "0".repeat(16));
    return b;
  }
  const two = (n: number) => String(n).padStart(2, "0");
  const text =
    String(date.getUTCFullYear()).padStart(4, "0") +
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes()) +
    two(date.getUTCSeconds()) +
    two(Math.floor(date.getUTCMilliseconds() / 10));
  ascii(b, 0, text);
  return b;
}

function ascii(target: Uint8Array, offset: number, text: string): void {
  for (let i = 0; i < text.length; i++) target[offset + i] = text.charCodeAt(i);
}

/** `text` in a field of `width` bytes, padded with spaces (ECMA-119 §7.4: a- and d-character fields). */
function padded(target: Uint8Array, offset: number, width: number, text: string): void {
  ascii(target, offset, text.padEnd(width, " "));
}

/** ECMA-119 §7.2.3: a 16-bit number, little-endian then big-endian. */
function both16(view: DataView, offset: number, value: number): void {
  view.setUint16(offset, value, true);
  view.setUint16(offset + 2, value, false);
}

/** ECMA-119 §7.3.3: a 32-bit number, little-endian then big-endian. */
function both32(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, value, true);
  view.setUint32(offset + 4, value, false);
}
