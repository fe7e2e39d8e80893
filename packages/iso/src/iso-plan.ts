/**
 * `planIso`: the layout of an ISO 9660 image (ECMA-119) with Rock Ridge (RRIP 1.10), Joliet and El
 * Torito, from the headers of the entries alone, so that directories (which come first on the
 * medium) can be written before any file body is read. Pure and deterministic: the same headers and
 * options give the same layout.
 *
 * Sectors, in order: the system area (0–15: zeros, or the isohybrid MBR); the primary volume
 * descriptor (16); the El Torito boot record (17, where BIOSes and isohybrid look); the Joliet
 * supplementary volume descriptor; the terminator; the primary L and M path tables, then Joliet's;
 * the primary directories in path table order; the SUSP continuation areas; the Joliet directories;
 * the boot catalog; then file data in the order of the entry stream, each body from a sector
 * boundary (empty files and non-files have no extent: location 0); with isohybrid, zeros to a whole
 * 1 MiB cylinder.
 */
import { assert } from "@ocikit/errors";
import type { FsHeader } from "@ocikit/fs";
import {
  directoryRecordBaseLength,
  directoryRecordLength,
  packDirectoryRecords,
} from "./directory-record.js";
import { efiSectorCount } from "./el-torito-catalog.js";
import { IsoError } from "./errors.js";
import { type PlannedDirectory, planJolietDirectories, planPrimaryDirectories } from "./iso-directories.js";
import type {
  IsoBootEntryLayout,
  IsoBootLayout,
  IsoContinuationArea,
  IsoDirectoryLayout,
  IsoHierarchyLayout,
  IsoLayout,
  IsoStreamSlot,
} from "./iso-layout.js";
import {
  directoryAttributesOf,
  type ExtentLocator,
  identifierBytes,
  identifierLength,
  jolietRecordsOf,
  type RecordDraft,
  recordsOf,
  SELF,
} from "./iso-records.js";
import { buildIsoTree, type FileData, type TreeNode } from "./iso-tree.js";
import { isohybridPaddedBytes, MBR_CODE_BYTES } from "./isohybrid-mbr.js";
import { pathTableBytes } from "./path-table.js";
import {
  continuationAreaLength,
  placeContinuationAreas,
  recordSystemUseCapacity,
  splitSystemUse,
} from "./system-use-area.js";
import { CE_LENGTH, type SystemUseEntry, systemUseEntryLength } from "./system-use-entry.js";
import { SECTOR_SIZE } from "./volume-descriptor.js";

/** An El Torito boot image: BIOS no-emulation (isolinux.bin) or an EFI system partition image. */
export type IsoBootEntry =
  | {
      readonly platform: "bios";
      /** The image's path in the tree (an ordinary file entry). */
      readonly path: string;
      /** Patch the boot information table in (isolinux.bin needs it). */
      readonly bootInfoTable: boolean;
      /** 512-byte sectors the BIOS loads; default 4 (what isolinux and isohybrid expect). */
      readonly loadSectors?: number;
    }
  | { readonly platform: "efi"; readonly path: string };

/** What makes the image bootable. */
export interface IsoBootOptions {
  /** Where the boot catalog appears in the tree, e.g. `isolinux/boot.cat` (no entry may use it). */
  readonly catalogPath: string;
  /** The first is the default entry; the others follow in sections, one per run of a platform. */
  readonly entries: readonly IsoBootEntry[];
  /** Make the image bootable from a disk too (needs a BIOS entry whose image is isolinux.bin). */
  readonly isohybrid?: {
    /** isohdpfx.bin from syslinux (432 bytes; its first 432 are used). */
    readonly mbrTemplate: Uint8Array;
    /** Add MBR partition 2 (type 0xEF) over the EFI entry's image; default false. */
    readonly efiPartition?: boolean;
  };
}

/** Options of `planIso`; defaults in `ISO_DEFAULTS`. */
export interface IsoOptions {
  /** d-characters (A–Z, 0–9, `_`), 1 to 32; the Joliet label is its first 16. Default "OCIKIT". */
  readonly volumeId?: string;
  /** The volume's dates and every directory record's date. Default 2017-04-18T16:30:00Z, LinuxKit's. */
  readonly recordedAt?: Date;
  /** Rock Ridge (names, owners, modes, links, devices, times, deep trees). Default true. */
  readonly rockRidge?: boolean;
  /** A Joliet tree (names for Windows). Default true. */
  readonly joliet?: boolean;
  readonly boot?: IsoBootOptions;
}

// LinuxKit stamps what it creates with 2017-04-18T16:30:00Z (linuxkit-reference.md §3.11).
export const ISO_DEFAULTS = {
  volumeId: "OCIKIT",
  recordedAt: new Date(1_492_533_000 * 1000),
  rockRidge: true,
  joliet: true,
} as const;

/** The publisher and application identifiers every image carries. */
export const ISO_PUBLISHER_ID = "OCIKIT";
export const ISO_APPLICATION_ID = "OCIKIT";

const PVD_LBA = 16;
type Encoding = IsoHierarchyLayout["encoding"];
const BIOS_LOAD_SECTORS = 4;

/**
 * Plans an image of the tree the headers describe (see the module comment).
 * @example
 * ```ts
 * const layout = planIso(headers, { volumeId: "LINUXKIT", recordedAt: new Date(0) });
 * await writeFile("out.iso", writeIso(layout, entries()));
 * ```
 * @throws {IsoError} ISO_BAD_OPTION (volume id, recording time, load sectors, MBR template),
 *   ISO_BAD_TREE (see buildIsoTree; more than 8 levels without Rock Ridge), ISO_FILE_TOO_LARGE,
 *   ISO_BOOT_FILE (a boot image that is not a file of the tree, a catalog path in use)
 */
export function planIso(headers: readonly FsHeader[], options: IsoOptions = {}): IsoLayout {
  const { volumeId, recordedAt, rockRidge, joliet } = { ...ISO_DEFAULTS, ...options };
  checkOptions(volumeId, recordedAt, options.boot);
  const recordedAtSeconds = Math.floor(recordedAt.getTime() / 1000);
  const boot = options.boot;
  const tree = buildIsoTree(headers, {
    recordedAtSeconds,
    ...(boot ? { catalogPath: boot.catalogPath } : {}),
  });
  const bootNodes = (boot?.entries ?? []).map((entry) => bootNode(tree.root, entry));
  const primaryDirs = planPrimaryDirectories(tree.root, { rockRidge });
  const jolietDirs = joliet ? planJolietDirectories(tree.root) : undefined;
  const primaryIds = identifiersOf(primaryDirs);
  const jolietIds = jolietDirs && identifiersOf(jolietDirs);
  const recordOptions = {
    rockRidge,
    attributes: rockRidge ? directoryAttributesOf(primaryDirs, recordedAtSeconds) : new Map(),
  };

  // Sizes first: they do not depend on where things are.
  const zero: ExtentLocator = { directory: () => ({ lba: 0, bytes: 0 }), data: () => 0 };
  const primarySizes = primaryDirs.map((dir) =>
    measureDirectory(recordsOf(dir, zero, recordOptions), "d-characters"),
  );
  const jolietSizes = jolietDirs?.map((dir) => measureDirectory(jolietRecordsOf(dir, zero), "ucs-2"));

  // Then sectors.
  let lba = PVD_LBA + 1;
  /** Gives out `count` sectors from the next free one. */
  const take = (count: number): number => {
    const at = lba;
    lba += count;
    return at;
  };
  const bootRecordLba = boot ? take(1) : undefined;
  const jolietVolumeDescriptorLba = joliet ? take(1) : undefined;
  const terminatorLba = take(1);
  const primaryTableBytes = pathTableBytes(
    primaryDirs.map((d) => ({ identifier: identifierBytes(primaryIds.get(d)!, "d-characters") })),
  );
  const primaryL = take(sectorsOf(primaryTableBytes));
  const primaryM = take(sectorsOf(primaryTableBytes));
  const jolietTableBytes = jolietDirs
    ? pathTableBytes(jolietDirs.map((d) => ({ identifier: identifierBytes(jolietIds!.get(d)!, "ucs-2") })))
    : 0;
  const jolietL = take(sectorsOf(jolietTableBytes));
  const jolietM = take(sectorsOf(jolietTableBytes));
  const primaryLbas = primarySizes.map((size) => take(size.sectors));
  const continuationLengths = primarySizes.flatMap((size) => size.continuationLengths);
  const continuations = placeContinuationAreas(continuationLengths, lba);
  take(continuations.sectors);
  const jolietLbas = (jolietSizes ?? []).map((size) => take(size.sectors));
  const catalogLba = boot ? take(1) : 0;
  const dataLba = lba;
  const dataLbas = new Map<FileData, number>();
  const slots: IsoStreamSlot[] = headers.map((header, index) => {
    const slot = { path: header.path, type: header.type, size: header.size };
    const data = tree.slotData[index];
    if (data === undefined || data.size === 0) return slot;
    const at = take(sectorsOf(data.size));
    dataLbas.set(data, at);
    return { ...slot, dataLba: at };
  });
  const dataEnd = lba;

  const directoryExtents = new Map<PlannedDirectory, { lba: number; bytes: number }>();
  primaryDirs.forEach((dir, i) => {
    directoryExtents.set(dir, { lba: primaryLbas[i]!, bytes: primarySizes[i]!.sectors * SECTOR_SIZE });
  });
  const jolietExtents = new Map<PlannedDirectory, { lba: number; bytes: number }>();
  jolietDirs?.forEach((dir, i) => {
    jolietExtents.set(dir, { lba: jolietLbas[i]!, bytes: jolietSizes![i]!.sectors * SECTOR_SIZE });
  });
  const dataOf = (data: FileData) => (data.slot < 0 ? catalogLba : dataLbas.get(data)!);
  const primaryLocator: ExtentLocator = { directory: (d) => directoryExtents.get(d)!, data: dataOf };
  const jolietLocator: ExtentLocator = { directory: (d) => jolietExtents.get(d)!, data: dataOf };

  // Then the records, with continuation areas placed in the order they were measured.
  const areas: IsoContinuationArea[] = [];
  let placed = 0;
  const nextPlace = () => continuations.places[placed++]!;
  const primary: IsoHierarchyLayout = {
    encoding: "d-characters",
    pathTableBytes: primaryTableBytes,
    lPathTableLba: primaryL,
    mPathTableLba: primaryM,
    directories: primaryDirs.map((dir, i) =>
      directoryLayout(
        "d-characters",
        dir,
        primaryIds.get(dir)!,
        primaryLbas[i]!,
        primarySizes[i]!.sectors,
        recordsOf(dir, primaryLocator, recordOptions),
        {
          nextPlace,
          add: (area) => areas.push(area),
        },
      ),
    ),
  };
  const jolietHierarchy: IsoHierarchyLayout | undefined = jolietDirs && {
    encoding: "ucs-2",
    pathTableBytes: jolietTableBytes,
    lPathTableLba: jolietL,
    mPathTableLba: jolietM,
    directories: jolietDirs.map((dir, i) =>
      directoryLayout(
        "ucs-2",
        dir,
        jolietIds!.get(dir)!,
        jolietLbas[i]!,
        jolietSizes![i]!.sectors,
        jolietRecordsOf(dir, jolietLocator),
        {
          nextPlace,
          add: () => {},
        },
      ),
    ),
  };

  const bootLayout = boot && planBoot(boot, bootNodes, catalogLba, dataOf, recordedAtSeconds, volumeId);
  const volumeSpaceSectors = bootLayout?.isohybrid
    ? isohybridPaddedBytes(dataEnd * SECTOR_SIZE) / SECTOR_SIZE
    : dataEnd;
  if (volumeSpaceSectors > 0xffff_ffff) {
    throw new IsoError(
      "ISO_BAD_TREE",
      `the tree needs ${volumeSpaceSectors} sectors; one ISO 9660 volume holds at most 2^32 - 1`,
    );
  }
  const bootSlots = new Map<number, { bootInfoTable: boolean; isohybrid: boolean }>();
  bootLayout?.entries.forEach((entry, i) => {
    if (entry.platform !== "bios") return;
    const slot = bootNodes[i]!.data!.slot;
    const isHybridImage = bootLayout.isohybrid?.bootImageLba === entry.lba;
    const before = bootSlots.get(slot);
    bootSlots.set(slot, {
      bootInfoTable: (before?.bootInfoTable ?? false) || entry.bootInfoTable,
      isohybrid: (before?.isohybrid ?? false) || isHybridImage,
    });
  });
  return {
    volumeId,
    recordedAtSeconds,
    rockRidge,
    joliet,
    volumeSpaceSectors,
    primaryVolumeDescriptorLba: PVD_LBA,
    ...(bootRecordLba !== undefined ? { bootRecordLba } : {}),
    ...(jolietVolumeDescriptorLba !== undefined ? { jolietVolumeDescriptorLba } : {}),
    terminatorLba,
    primary,
    ...(jolietHierarchy ? { jolietHierarchy } : {}),
    continuationAreas: areas,
    ...(bootLayout ? { boot: bootLayout } : {}),
    dataLba,
    slots: slots.map((slot, index) => {
      const flags = bootSlots.get(index);
      if (flags === undefined) return slot;
      return {
        ...slot,
        ...(flags.bootInfoTable ? { bootInfoTable: true } : {}),
        ...(flags.isohybrid ? { isohybridBootImage: true } : {}),
      };
    }),
  };
}

interface DirectorySize {
  readonly sectors: number;
  readonly continuationLengths: readonly number[];
}

/** A directory's size in sectors and the lengths of the continuation areas its records need. */
function measureDirectory(records: readonly RecordDraft[], encoding: Encoding): DirectorySize {
  const lengths: number[] = [];
  const continuationLengths: number[] = [];
  for (const record of records) {
    const { inline, continuations } = split(record, encoding);
    const inlineBytes = sumLengths(inline) + (continuations.length > 0 ? CE_LENGTH : 0);
    lengths.push(directoryRecordLength(identifierLength(record.identifier, encoding), inlineBytes));
    continuations.forEach((area, i) => {
      continuationLengths.push(continuationAreaLength(area, i < continuations.length - 1));
    });
  }
  return { sectors: packDirectoryRecords(lengths, SECTOR_SIZE).sectors, continuationLengths };
}

function directoryLayout(
  encoding: Encoding,
  dir: PlannedDirectory,
  identifier: string,
  lba: number,
  sectors: number,
  drafts: readonly RecordDraft[],
  continuation: {
    nextPlace: () => { lba: number; offset: number };
    add: (area: IsoContinuationArea) => void;
  },
): IsoDirectoryLayout {
  const records = drafts.map((draft) => {
    const { inline, continuations } = split(draft, encoding);
    if (continuations.length === 0) return { ...draft, systemUse: inline };
    // Each area's CE points at the next one; the record's CE at the first.
    const places = continuations.map(() => continuation.nextPlace());
    const ce = (i: number): SystemUseEntry => ({
      signature: "CE",
      lba: places[i]!.lba,
      offset: places[i]!.offset,
      length: continuationAreaLength(continuations[i]!, i < continuations.length - 1),
    });
    continuations.forEach((entries, i) => {
      const area = {
        ...places[i]!,
        entries: i < continuations.length - 1 ? [...entries, ce(i + 1)] : entries,
      };
      continuation.add(area);
    });
    return { ...draft, systemUse: [...inline, ce(0)] };
  });
  const lengths = records.map((r) =>
    directoryRecordLength(identifierLength(r.identifier, encoding), sumLengths(r.systemUse)),
  );
  const { offsets, sectors: packed } = packDirectoryRecords(lengths, SECTOR_SIZE);
  assert(packed === sectors, `directory ${dir.path} measured ${sectors} sectors, laid out ${packed}`);
  return {
    path: dir.path,
    identifier,
    parentNumber: dir.parent.number,
    lba,
    sectors,
    records: records.map((r, i) => ({
      identifier: r.identifier,
      offset: offsets[i]!,
      extentLba: r.extentLba,
      dataLength: r.dataLength,
      isDirectory: r.isDirectory,
      systemUse: r.systemUse,
    })),
  };
}

function split(record: RecordDraft, encoding: Encoding) {
  const base = directoryRecordBaseLength(identifierLength(record.identifier, encoding));
  return splitSystemUse(record.systemUse, recordSystemUseCapacity(base));
}

function sumLengths(entries: readonly SystemUseEntry[]): number {
  return entries.reduce((sum, e) => sum + systemUseEntryLength(e), 0);
}

/**
 * The identifier each directory has in its parent in this hierarchy (the root's is SELF), gathered
 * in one pass: looking each up among its siblings is quadratic in a wide directory.
 */
function identifiersOf(dirs: readonly PlannedDirectory[]): Map<PlannedDirectory, string> {
  const ids = new Map<PlannedDirectory, string>();
  for (const dir of dirs) {
    if (dir.parent === dir) ids.set(dir, SELF);
    for (const child of dir.children) if (child.kind === "dir") ids.set(child.directory, child.identifier);
  }
  return ids;
}

function sectorsOf(bytes: number): number {
  return Math.ceil(bytes / SECTOR_SIZE);
}

function checkOptions(volumeId: string, recordedAt: Date, boot: IsoBootOptions | undefined): void {
  if (!/^[A-Z0-9_]{1,32}$/.test(volumeId)) {
    throw new IsoError(
      "ISO_BAD_OPTION",
      `volumeId ${JSON.stringify(volumeId)}: not a volume identifier; expected 1 to 32 d-characters (A-Z, 0-9, _)`,
    );
  }
  if (!(recordedAt instanceof Date) || Number.isNaN(recordedAt.getTime())) {
    throw new IsoError("ISO_BAD_OPTION", `recordedAt ${String(recordedAt)}: not a valid date`);
  }
  if (boot === undefined) return;
  if (boot.entries.length === 0) {
    throw new IsoError("ISO_BAD_OPTION", "boot.entries is empty; give at least one BIOS or EFI boot image");
  }
  for (const entry of boot.entries) {
    if (entry.platform === "bios" && entry.loadSectors !== undefined) {
      const n = entry.loadSectors;
      if (!Number.isInteger(n) || n < 1 || n > 0xffff) {
        throw new IsoError(
          "ISO_BAD_OPTION",
          `${entry.path}: loadSectors ${n} is out of range; expected 1 to 65535`,
        );
      }
    }
  }
  const hybrid = boot.isohybrid;
  if (hybrid === undefined) return;
  if (hybrid.mbrTemplate.length < MBR_CODE_BYTES) {
    throw new IsoError(
      "ISO_BAD_OPTION",
      `isohybrid.mbrTemplate has ${hybrid.mbrTemplate.length} bytes; expected isohdpfx.bin's ${MBR_CODE_BYTES}`,
    );
  }
  if (!boot.entries.some((e) => e.platform === "bios")) {
    throw new IsoError(
      "ISO_BAD_OPTION",
      "isohybrid needs a BIOS boot entry (isolinux.bin) for its MBR code to load",
    );
  }
  if (hybrid.efiPartition && !boot.entries.some((e) => e.platform === "efi")) {
    throw new IsoError(
      "ISO_BAD_OPTION",
      "isohybrid.efiPartition needs an EFI boot entry for the partition to cover",
    );
  }
}

/** The tree node of a boot image: a file with data. @throws ISO_BOOT_FILE */
function bootNode(root: TreeNode, entry: IsoBootEntry): TreeNode {
  let node: TreeNode | undefined = root;
  for (const name of entry.path.split("/").filter((part) => part !== "" && part !== ".")) {
    node = node?.children?.get(name);
  }
  if (node === undefined || node.type !== "file" || node.data === undefined || node.data.slot < 0) {
    throw new IsoError(
      "ISO_BOOT_FILE",
      `${entry.path}: the ${entry.platform} boot image is not a file of the tree; add it as an entry (e.g. isolinux/isolinux.bin)`,
    );
  }
  const minimum = entry.platform === "bios" && entry.bootInfoTable ? 64 : 1;
  if (node.data.size < minimum) {
    throw new IsoError(
      "ISO_BOOT_FILE",
      `${entry.path}: the ${entry.platform} boot image has ${node.data.size} bytes; expected at least ${minimum}`,
    );
  }
  return node;
}

function planBoot(
  boot: IsoBootOptions,
  nodes: readonly TreeNode[],
  catalogLba: number,
  dataOf: (data: FileData) => number,
  recordedAtSeconds: number,
  volumeId: string,
): IsoBootLayout {
  const entries: IsoBootEntryLayout[] = boot.entries.map((entry, i) => {
    const data = nodes[i]!.data!;
    const common = { path: entry.path, lba: dataOf(data), sizeBytes: data.size };
    return entry.platform === "bios"
      ? {
          platform: "bios",
          ...common,
          sectorCount: entry.loadSectors ?? BIOS_LOAD_SECTORS,
          bootInfoTable: entry.bootInfoTable,
        }
      : { platform: "efi", ...common, sectorCount: efiSectorCount(data.size), bootInfoTable: false };
  });
  const layout: IsoBootLayout = { catalogLba, catalogPath: boot.catalogPath, entries };
  if (boot.isohybrid === undefined) return layout;
  const bios = entries.find((e) => e.platform === "bios")!;
  const efi = boot.isohybrid.efiPartition ? entries.find((e) => e.platform === "efi") : undefined;
  return {
    ...layout,
    isohybrid: {
      mbrTemplate: boot.isohybrid.mbrTemplate.slice(0, MBR_CODE_BYTES),
      bootImageLba: bios.lba,
      ...(efi ? { efi: { lba: efi.lba, sectors512: Math.ceil(efi.sizeBytes / 512) } } : {}),
      diskSignature: diskSignature(volumeId, recordedAtSeconds),
    },
  };
}

/**
 * The MBR disk signature: isohybrid picks a random one; ours is FNV-1a of the volume id and the
 * recording time, so the same inputs give the same image.
 */
function diskSignature(volumeId: string, recordedAtSeconds: number): number {
  let hash = 0x811c9dc5;
  for (const char of `${volumeId}:${recordedAtSeconds}`) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
