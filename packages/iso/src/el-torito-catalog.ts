/**
 * The El Torito boot catalog (El Torito specification 1.0, §2.1–§2.4; UEFI 2.x §13.3.2.1 for the
 * EFI platform): one sector of 32-byte entries. The validation entry (header ID 1, the platform of
 * the default entry, an ID string, a checksum making the sixteen 16-bit little-endian words sum to 0,
 * and the key bytes 55 AA); the initial/default entry (bootable 0x88, media type, load segment, system
 * type, sector count in 512-byte virtual sectors, the image's sector); then, for each further run of
 * entries of one platform, a section header (0x90, or 0x91 for the last; platform; entry count; ID
 * string) and its section entries, laid out as the default entry.
 *
 * Every entry planIso makes is bootable and "no emulation" (media type 0). For EFI, the sector count
 * is the size of the EFI system partition image in 512-byte sectors, or 0 when it exceeds 65535
 * (UEFI: 0 or 1 mean "to the end of the medium"). Read catalogs may have other platforms (1 PowerPC,
 * 2 Mac, kept as numbers), entries marked not bootable (0x00) and the emulations of §2.2 (media
 * types 1–4), which encode back as they were.
 *
 * Left out: selection criteria and extension entries (0x44: skipped when reading), the media type
 * byte's upper bits (continuation, ATAPI and SCSI driver flags: read as 0), catalogs over one sector.
 */
import { assert } from "@ocikit/errors";
import { getUint16, getUint32, setUint16, setUint32 } from "./both-byte-order.js";
import { SECTOR_SIZE } from "./volume-descriptor.js";

/** Platform IDs (El Torito §2.1; 0xEF from UEFI). */
export const PLATFORM_ID = { bios: 0x00, efi: 0xef } as const;

/** A platform by name, or another platform ID (1 PowerPC, 2 Mac) as its number. */
export type BootPlatform = keyof typeof PLATFORM_ID | number;

/** The boot media types of §2.2 (the low 4 bits of byte 1 of an entry); others as their number. */
export const BOOT_EMULATIONS = ["none", "floppy-1.2m", "floppy-1.44m", "floppy-2.88m", "hard-disk"] as const;
export type BootEmulation = (typeof BOOT_EMULATIONS)[number] | number;

/** One bootable image the catalog points at. */
export interface BootCatalogEntry {
  readonly platform: BootPlatform;
  /** Boot indicator 0x88 (true) or 0x00 (false); default true. */
  readonly bootable?: boolean;
  /** The boot media type; default "none" (no emulation). */
  readonly emulation?: BootEmulation;
  /** The real-mode segment to load at; 0 means the traditional 0x7C0. */
  readonly loadSegment: number;
  /** The partition type byte; 0 for no emulation. */
  readonly systemType: number;
  /** How many 512-byte virtual sectors to load (BIOS), or the EFI image's size in them. */
  readonly sectorCount: number;
  /** The image's first 2048-byte sector. */
  readonly loadLba: number;
}

/** A boot catalog: the first entry is the initial/default entry. */
export interface BootCatalog {
  /** Up to 24 characters in the validation entry (and 28 in section headers). */
  readonly idString: string;
  readonly entries: readonly BootCatalogEntry[];
}

const ENTRY = 32;
const BOOTABLE = 0x88;
const EXTENSION = 0x44;

/** Encodes `catalog` as one sector. */
export function bootCatalogToBytes(catalog: BootCatalog): Uint8Array {
  const [first, ...rest] = catalog.entries;
  assert(first !== undefined, "a boot catalog without entries");
  const sections = runsByPlatform(rest);
  assert(ENTRY * (2 + rest.length + sections.length) <= SECTOR_SIZE, "boot catalog larger than a sector");
  const s = new Uint8Array(SECTOR_SIZE);
  s[0] = 1;
  s[1] = platformId(first.platform);
  text(s, 4, 24, catalog.idString);
  s[30] = 0x55;
  s[31] = 0xaa;
  let sum = 0;
  for (let i = 0; i < ENTRY; i += 2) sum += getUint16(s, i, "le");
  setUint16(s, 28, (0x10000 - (sum & 0xffff)) & 0xffff, "le");
  writeEntry(s, ENTRY, first);
  let at = 2 * ENTRY;
  sections.forEach((section, i) => {
    s[at] = i === sections.length - 1 ? 0x91 : 0x90;
    s[at + 1] = platformId(section[0]!.platform);
    setUint16(s, at + 2, section.length, "le");
    text(s, at + 4, 28, catalog.idString);
    at += ENTRY;
    for (const entry of section) {
      writeEntry(s, at, entry);
      at += ENTRY;
    }
  });
  return s;
}

/**
 * Decodes a boot catalog (one sector; a section that would run past it ends there); `undefined` when
 * its validation entry is not valid. Every entry comes back with `bootable` and `emulation`.
 */
export function bootCatalogFromBytes(s: Uint8Array): BootCatalog | undefined {
  if (s.length < SECTOR_SIZE) return undefined;
  let sum = 0;
  for (let i = 0; i < ENTRY; i += 2) sum += getUint16(s, i, "le");
  if (s[0] !== 1 || s[30] !== 0x55 || s[31] !== 0xaa || (sum & 0xffff) !== 0) return undefined;
  const entries = [readEntry(s, ENTRY, platformOf(s[1] ?? 0))];
  for (let at = 2 * ENTRY; at + ENTRY <= SECTOR_SIZE; ) {
    const header = s[at] ?? 0;
    if (header !== 0x90 && header !== 0x91) break;
    const platform = platformOf(s[at + 1] ?? 0);
    const count = getUint16(s, at + 2, "le");
    at += ENTRY;
    for (let i = 0; i < count && at + ENTRY <= SECTOR_SIZE; at += ENTRY) {
      if (s[at] === EXTENSION) continue; // selection criteria of the entry before (§2.5)
      entries.push(readEntry(s, at, platform));
      i++;
    }
    if (header === 0x91) break;
  }
  return { idString: trimZeros(String.fromCharCode(...s.subarray(4, 28))), entries };
}

function platformId(platform: BootPlatform): number {
  return typeof platform === "number" ? platform : PLATFORM_ID[platform];
}

function platformOf(id: number): BootPlatform {
  return id === PLATFORM_ID.bios ? "bios" : id === PLATFORM_ID.efi ? "efi" : id;
}

function writeEntry(s: Uint8Array, at: number, entry: BootCatalogEntry): void {
  const emulation = entry.emulation ?? "none";
  s[at] = (entry.bootable ?? true) ? BOOTABLE : 0;
  s[at + 1] = typeof emulation === "number" ? emulation : BOOT_EMULATIONS.indexOf(emulation);
  setUint16(s, at + 2, entry.loadSegment, "le");
  s[at + 4] = entry.systemType;
  setUint16(s, at + 6, entry.sectorCount, "le");
  setUint32(s, at + 8, entry.loadLba, "le");
}

function readEntry(s: Uint8Array, at: number, platform: BootPlatform): BootCatalogEntry {
  const mediaType = (s[at + 1] ?? 0) & 0x0f;
  return {
    platform,
    bootable: s[at] === BOOTABLE,
    emulation: BOOT_EMULATIONS[mediaType] ?? mediaType,
    loadSegment: getUint16(s, at + 2, "le"),
    systemType: s[at + 4] ?? 0,
    sectorCount: getUint16(s, at + 6, "le"),
    loadLba: getUint32(s, at + 8, "le"),
  };
}

function runsByPlatform(entries: readonly BootCatalogEntry[]): BootCatalogEntry[][] {
  const runs: BootCatalogEntry[][] = [];
  for (const entry of entries) {
    const last = runs.at(-1);
    if (last !== undefined && last[0]!.platform === entry.platform) last.push(entry);
    else runs.push([entry]);
  }
  return runs;
}

function trimZeros(value: string): string {
  let end = value.length;
  while (end > 0 && value.charCodeAt(end - 1) === 0) end--;
  return value.slice(0, end);
}

function text(s: Uint8Array, at: number, width: number, value: string): void {
  for (let i = 0; i < width && i < value.length; i++) s[at + i] = value.charCodeAt(i) & 0x7f;
}

/** The sector count to record for an EFI image of `sizeBytes` (see the module comment). */
export function efiSectorCount(sizeBytes: number): number {
  const sectors = Math.ceil(sizeBytes / 512);
  return sectors > 0xffff ? 0 : sectors;
}
