/**
 * `readIso`: what an ISO 9660 image (ECMA-119) holds, read from random access to its bytes — any
 * image, ours or another tool's. The volume descriptor set from sector 16 up to its terminator
 * gives the primary volume (identifiers, size, recording time, root directory), whether a Joliet
 * tree is there (UCS-2 levels 1–3) and the El Torito boot record; SUSP's SP in the root's "." record
 * and Rock Ridge's ER or PX say whether Rock Ridge is; sector 0's 0x55 0xAA says there is an MBR
 * (isohybrid), whose partitions are listed. The tree is walked by iso-tree-reader.ts through the
 * primary hierarchy (Rock Ridge when present); Joliet is detected, not read.
 *
 * Boot entries are matched to the tree's files by the LBA their data starts at, which takes one walk
 * of the directories (no file data) when the image has a boot catalog.
 *
 * Left out: logical blocks other than 2048 bytes, multi-volume sets and multi-session images (the
 * first session's descriptors are read), the path tables (the walk goes by directory records), Rock
 * Ridge on the supplementary tree, TF's long form, ISO 9660:1999 (version 2 descriptors).
 */
import type { FsEntry } from "@ocikit/fs";
import { directoryRecordFromBytes } from "./directory-record.js";
import { bootRecordFromBytes } from "./el-torito-boot-record.js";
import {
  type BootCatalogEntry,
  type BootEmulation,
  type BootPlatform,
  bootCatalogFromBytes,
} from "./el-torito-catalog.js";
import { IsoError } from "./errors.js";
import { type IsoSource, readImageBytes } from "./iso-source.js";
import { walkIsoTree } from "./iso-tree-reader.js";
import { mbrPartitionSlotsFromBytes } from "./protective-mbr.js";
import { gatherSystemUseEntries } from "./system-use-area.js";
import { suspSkipBytesOf } from "./system-use-entry.js";
import {
  jolietLevelOf,
  logicalBlockSizeOf,
  SECTOR_SIZE,
  type VolumeDescriptor,
  volumeDescriptorFromBytes,
  volumeDescriptorTypeOf,
} from "./volume-descriptor.js";

/** Options of `readIso`; defaults in `READ_ISO_DEFAULTS`. */
export interface ReadIsoOptions {
  /** File bodies are read this many bytes at a time. Default 1 MiB. */
  readonly chunkBytes?: number;
  readonly signal?: AbortSignal;
}

export const READ_ISO_DEFAULTS = { chunkBytes: 1024 * 1024 } as const;

/** The primary volume. */
export interface IsoVolumeInfo {
  readonly volumeId: string;
  /** Absent when blank. */
  readonly systemId?: string;
  readonly publisherId: string;
  readonly applicationId: string;
  /** The volume's creation time, or the root directory's date when that is not given. */
  readonly recordedAt: Date;
  /** The volume space: sectors × 2048. */
  readonly sizeBytes: number;
  readonly rockRidge: boolean;
  readonly joliet: boolean;
}

/** One entry of the El Torito boot catalog. */
export interface IsoBootImageInfo {
  readonly platform: BootPlatform;
  readonly bootable: boolean;
  readonly emulation: BootEmulation;
  /** The real-mode segment to load at; 0 means 0x7C0. */
  readonly loadSegment: number;
  readonly systemType: number;
  /** 512-byte sectors: what a BIOS loads, or an EFI image's size (0: to the end). */
  readonly sectorCount: number;
  /** The image's first 2048-byte sector. */
  readonly lba: number;
  /** The tree's file whose data starts there, if one does. */
  readonly path?: string;
}

export interface IsoBootInfo {
  readonly catalogLba: number;
  /** The tree's file whose data is the catalog, if one is. */
  readonly catalogPath?: string;
  /** The default entry first, then the sections' entries in order. */
  readonly entries: readonly IsoBootImageInfo[];
}

/** One MBR partition record (isohybrid's), in 512-byte sectors. */
export interface IsoPartitionInfo {
  /** 1 to 4: the slot in the MBR. */
  readonly number: number;
  /** Boot indicator 0x80. */
  readonly active: boolean;
  /** The partition type (OSType): 0x17, 0x00, 0xEF, 0xEE, … */
  readonly type: number;
  readonly firstSector: number;
  readonly sectors: number;
}

/** What `readIso` found; `entries()` walks the tree each time it is called. */
export interface IsoImage {
  readonly volume: IsoVolumeInfo;
  readonly boot?: IsoBootInfo;
  /** Present when sector 0 ends in 0x55 0xAA. */
  readonly isohybrid?: { readonly partitions: readonly IsoPartitionInfo[] };
  /**
   * The tree, the root (`.`) first, each directory before its contents, names in code unit order.
   * Bodies are read from the source when iterated, in any order, as long as the source is open.
   * @throws {IsoError} ISO_BAD_IMAGE
   */
  entries(): AsyncIterable<FsEntry>;
}

const FIRST_DESCRIPTOR_LBA = 16;
/** ER identifiers of Rock Ridge: RRIP 1.10, 1.12 and the IEEE P1282 drafts (RRIP §5.5). */
const ROCK_RIDGE_IDS = new Set(["RRIP_1991A", "IEEE_P1282", "IEEE_1282"]);

/**
 * Reads the volume, the boot catalog and the MBR of an ISO 9660 image, and gives its tree.
 * @example
 * ```ts
 * const image = await readIso(bytesSource(await readFile("linuxkit.iso")));
 * console.log(image.volume.volumeId, image.boot?.entries.map((e) => e.path));
 * for await (const entry of image.entries()) console.log(entry.type, entry.path);
 * ```
 * @throws {IsoError} ISO_BAD_IMAGE when it is not ISO 9660 (no "CD001" at sector 16), or is truncated
 *   or malformed (the message names the LBA); ISO_BAD_OPTION for a `chunkBytes` under 1
 */
export async function readIso(source: IsoSource, options: ReadIsoOptions = {}): Promise<IsoImage> {
  const { chunkBytes, signal } = { ...READ_ISO_DEFAULTS, ...options };
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1) {
    throw new IsoError("ISO_BAD_OPTION", `chunkBytes ${chunkBytes}: not a positive whole number of bytes`);
  }
  const descriptors = await readDescriptors(source);
  const pvd = descriptors.primary;
  const root = pvd.rootRecord;
  const rootSector = await readImageBytes(
    source,
    root.extentLba * SECTOR_SIZE,
    SECTOR_SIZE,
    `root directory at LBA ${root.extentLba}`,
  );
  const { rockRidge, skipBytes } = await rockRidgeOf(source, rootSector, root.extentLba);
  const walk = () =>
    walkIsoTree(source, {
      root: { lba: root.extentLba, length: root.dataLength },
      rockRidge,
      skipBytes,
      chunkBytes,
      ...(signal ? { signal } : {}),
    });
  const volume: IsoVolumeInfo = {
    volumeId: pvd.volumeId,
    ...(pvd.systemId !== "" ? { systemId: pvd.systemId } : {}),
    publisherId: pvd.publisherId,
    applicationId: pvd.applicationId,
    recordedAt: new Date((pvd.createdAtSeconds !== 0 ? pvd.createdAtSeconds : root.recordedAtSeconds) * 1000),
    sizeBytes: pvd.volumeSpaceSectors * SECTOR_SIZE,
    rockRidge,
    joliet: descriptors.joliet,
  };
  const boot =
    descriptors.catalogLba === undefined ? undefined : await readBoot(source, descriptors.catalogLba, walk);
  const isohybrid = await readMbr(source);
  return {
    volume,
    ...(boot ? { boot } : {}),
    ...(isohybrid ? { isohybrid } : {}),
    async *entries() {
      for await (const item of walk()) yield item.entry;
    },
  };
}

/** The volume descriptor set (§8.1, §6.7.1): from sector 16 to the terminator. */
async function readDescriptors(
  source: IsoSource,
): Promise<{ primary: VolumeDescriptor; joliet: boolean; catalogLba?: number }> {
  let primary: VolumeDescriptor | undefined;
  let joliet = false;
  let catalogLba: number | undefined;
  for (let lba = FIRST_DESCRIPTOR_LBA; ; lba++) {
    const where = `volume descriptor at LBA ${lba}`;
    if ((lba + 1) * SECTOR_SIZE > source.sizeBytes) {
      throw new IsoError(
        "ISO_BAD_IMAGE",
        lba === FIRST_DESCRIPTOR_LBA
          ? `the image has ${source.sizeBytes} bytes, too few for ISO 9660's volume descriptors from byte 32768; expected an ISO image`
          : `${where}: past the image's end before the volume descriptor set terminator; the image is truncated`,
      );
    }
    const sector = await readImageBytes(source, lba * SECTOR_SIZE, SECTOR_SIZE, where);
    const type = volumeDescriptorTypeOf(sector);
    if (type === undefined) {
      throw new IsoError(
        "ISO_BAD_IMAGE",
        lba === FIRST_DESCRIPTOR_LBA
          ? `${where}: no "CD001"; not an ISO 9660 image`
          : `${where}: no "CD001" before the volume descriptor set terminator; the image is malformed`,
      );
    }
    if (type === 255) break;
    if (type === 0) catalogLba ??= bootRecordFromBytes(sector)?.catalogLba;
    if (type === 2 && jolietLevelOf(sector) !== undefined) joliet = true;
    if (type === 1 && primary === undefined) {
      if (logicalBlockSizeOf(sector) !== SECTOR_SIZE) {
        throw new IsoError(
          "ISO_BAD_IMAGE",
          `${where}: logical blocks of ${logicalBlockSizeOf(sector)} bytes; only 2048 is read`,
        );
      }
      primary = volumeDescriptorFromBytes(sector);
    }
  }
  if (primary === undefined) {
    throw new IsoError("ISO_BAD_IMAGE", "volume descriptors from LBA 16: no primary volume descriptor");
  }
  return { primary, joliet, ...(catalogLba !== undefined ? { catalogLba } : {}) };
}

/** SUSP and Rock Ridge, from the root's "." record (SUSP §5.3, RRIP §4.3). */
async function rockRidgeOf(
  source: IsoSource,
  rootSector: Uint8Array,
  rootLba: number,
): Promise<{ rockRidge: boolean; skipBytes: number }> {
  const self = (rootSector[0] ?? 0) >= 34 ? directoryRecordFromBytes(rootSector) : undefined;
  if (self === undefined || self.identifier.length !== 1 || self.identifier[0] !== 0) {
    throw new IsoError("ISO_BAD_IMAGE", `root directory at LBA ${rootLba}: its first record is not "."`);
  }
  const area = self.systemUse;
  const skipBytes = suspSkipBytesOf(area);
  if (skipBytes === undefined) return { rockRidge: false, skipBytes: 0 };
  const entries = await gatherSystemUseEntries(area, (place) =>
    readImageBytes(
      source,
      place.lba * SECTOR_SIZE + place.offset,
      place.length,
      `root directory at LBA ${rootLba}: continuation area at LBA ${place.lba}`,
    ),
  );
  const rockRidge = entries.some(
    (e) => (e.signature === "ER" && ROCK_RIDGE_IDS.has(e.identifier)) || e.signature === "PX",
  );
  return { rockRidge, skipBytes };
}

/** The boot catalog, its entries matched to the tree's files by LBA. */
async function readBoot(
  source: IsoSource,
  catalogLba: number,
  walk: () => AsyncIterable<{ entry: FsEntry; dataLba?: number }>,
): Promise<IsoBootInfo> {
  const where = `boot catalog at LBA ${catalogLba}`;
  const catalog = bootCatalogFromBytes(
    await readImageBytes(source, catalogLba * SECTOR_SIZE, SECTOR_SIZE, where),
  );
  if (catalog === undefined) {
    throw new IsoError(
      "ISO_BAD_IMAGE",
      `${where}: no valid validation entry (header 1, key 55 AA, words summing to 0); the El Torito boot record points at something else`,
    );
  }
  const wanted = new Set([catalogLba, ...catalog.entries.map((e) => e.loadLba)]);
  const paths = new Map<number, string>();
  for await (const { entry, dataLba } of walk()) {
    if (dataLba !== undefined && wanted.has(dataLba) && !paths.has(dataLba)) paths.set(dataLba, entry.path);
  }
  const catalogPath = paths.get(catalogLba);
  return {
    catalogLba,
    ...(catalogPath !== undefined ? { catalogPath } : {}),
    entries: catalog.entries.map((e) => bootImageInfo(e, paths.get(e.loadLba))),
  };
}

function bootImageInfo(e: BootCatalogEntry, path: string | undefined): IsoBootImageInfo {
  return {
    platform: e.platform,
    bootable: e.bootable ?? true,
    emulation: e.emulation ?? "none",
    loadSegment: e.loadSegment,
    systemType: e.systemType,
    sectorCount: e.sectorCount,
    lba: e.loadLba,
    ...(path !== undefined ? { path } : {}),
  };
}

/** The MBR's partitions when sector 0 has one (isohybrid). */
async function readMbr(source: IsoSource): Promise<{ partitions: IsoPartitionInfo[] } | undefined> {
  const sector = await readImageBytes(source, 0, 512, "the system area's MBR (LBA 0)");
  if (sector[510] !== 0x55 || sector[511] !== 0xaa) return undefined;
  const partitions: IsoPartitionInfo[] = [];
  mbrPartitionSlotsFromBytes(sector).forEach((record, i) => {
    if (record === undefined) return;
    partitions.push({
      number: i + 1,
      active: record.bootIndicator === 0x80,
      type: record.osType,
      firstSector: record.startingLba,
      sectors: record.sizeInLba,
    });
  });
  return { partitions };
}
