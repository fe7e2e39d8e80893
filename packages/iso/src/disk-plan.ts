/**
 * Planning a GPT disk image (UEFI 2.10 §5.3): where the protective MBR, both headers, both partition
 * entry arrays and each partition go, as pure data that `writeDiskImage` follows. Partitions start on
 * `alignmentBytes` boundaries (1 MiB by default, as sgdisk, fdisk and systemd-repart align them) and
 * follow each other in the order given; the disk ends on an alignment boundary too, after the backup
 * entry array and header. GUIDs not given are derived from a hash of the layout (and `guidSeed`), so
 * the same inputs give the same disk, byte for byte.
 * Left out: partition entry arrays of other than 128 entries, gaps chosen by the caller, hybrid MBRs.
 */
import { IsoError } from "./errors.js";
import { deriveGuid, normalizeGuid } from "./gpt-guid.js";
import type { GptHeader } from "./gpt-header.js";
import {
  encodePartitionName,
  GPT_PARTITION_ENTRY_SIZE_BYTES,
  type GptPartitionEntry,
  gptPartitionEntryArrayCrc32,
  gptPartitionEntryArrayToBytes,
} from "./gpt-partition-entry.js";

/** One partition to lay out. */
export interface DiskPartitionSpec {
  /** PartitionName (at most 36 UTF-16 code units), e.g. "ESP". */
  readonly name: string;
  /** PartitionTypeGUID, e.g. EFI_SYSTEM_PARTITION_TYPE_GUID. */
  readonly typeGuid: string;
  /** The bytes it must hold; rounded up to whole sectors. */
  readonly sizeBytes: number;
  /** UniquePartitionGUID; default: derived from the layout (see the module comment). */
  readonly guid?: string;
  /** Attribute bits to set (0: required partition, 2: legacy BIOS bootable, …); default none. */
  readonly attributeBits?: readonly number[];
}

/** What `planDisk` lays out. */
export interface DiskOptions {
  readonly partitions: readonly DiskPartitionSpec[];
  /** Logical block size: 512 or 4096; default DISK_DEFAULTS.sectorSizeBytes (512). */
  readonly sectorSizeBytes?: number;
  /** Where partitions start and the disk ends: a multiple of the sector size; default 1 MiB. */
  readonly alignmentBytes?: number;
  /** DiskGUID; default: derived from the layout. */
  readonly diskGuid?: string;
  /** Mixed into derived GUIDs (e.g. an image digest), so equal layouts of different contents differ; default "". */
  readonly guidSeed?: string;
}

/** Defaults of `DiskOptions`. */
export const DISK_DEFAULTS = {
  sectorSizeBytes: 512,
  alignmentBytes: 1024 * 1024,
  /** NumberOfPartitionEntries: the 16 KiB array the specification requires at least. */
  numberOfPartitionEntries: 128,
  guidSeed: "",
} as const;

/** A partition as placed. */
export interface PlannedPartition {
  readonly name: string;
  readonly typeGuid: string;
  readonly guid: string;
  readonly firstLba: number;
  /** Inclusive, as GPT stores it. */
  readonly lastLba: number;
  readonly offsetBytes: number;
  /** What the partition holds: whole sectors, at least the size asked for. */
  readonly sizeBytes: number;
}

/** Where everything of a GPT disk goes. Plain data. */
export interface DiskPlan {
  readonly sectorSizeBytes: number;
  readonly sizeBytes: number;
  readonly diskGuid: string;
  readonly primaryHeader: GptHeader;
  readonly backupHeader: GptHeader;
  readonly partitionEntries: readonly GptPartitionEntry[];
  readonly partitions: readonly PlannedPartition[];
}

const alignUp = (value: number, alignment: number) => Math.ceil(value / alignment) * alignment;

function checkOptions(options: DiskOptions, sectorSizeBytes: number, alignmentBytes: number): void {
  if (sectorSizeBytes !== 512 && sectorSizeBytes !== 4096)
    throw new IsoError("ISO_BAD_OPTION", `disk: sector size ${sectorSizeBytes}; expected 512 or 4096`);
  if (!Number.isSafeInteger(alignmentBytes) || alignmentBytes <= 0 || alignmentBytes % sectorSizeBytes !== 0)
    throw new IsoError(
      "ISO_BAD_OPTION",
      `disk: alignment ${alignmentBytes} bytes; expected a positive multiple of the sector size (${sectorSizeBytes})`,
    );
  if (options.partitions.length > DISK_DEFAULTS.numberOfPartitionEntries)
    throw new IsoError(
      "ISO_BAD_OPTION",
      `disk: ${options.partitions.length} partitions; the partition entry array holds ${DISK_DEFAULTS.numberOfPartitionEntries}`,
    );
  for (const partition of options.partitions) {
    if (!Number.isSafeInteger(partition.sizeBytes) || partition.sizeBytes <= 0)
      throw new IsoError(
        "ISO_BAD_OPTION",
        `partition "${partition.name}": size ${partition.sizeBytes} bytes; expected a positive whole number`,
      );
    encodePartitionName(partition.name);
    normalizeGuid(partition.typeGuid, `partition "${partition.name}" type`);
  }
}

/**
 * Lays out a GPT disk: protective MBR, primary header and entries, the partitions, backup entries and
 * header. Pure: the same options give the same plan.
 * @throws {IsoError} ISO_BAD_OPTION for a bad sector size, alignment, size, name or GUID, or duplicate GUIDs
 * @example
 * ```ts
 * const plan = planDisk({ partitions: [{ name: "ESP", typeGuid: EFI_SYSTEM_PARTITION_TYPE_GUID, sizeBytes: 8 << 20 }] });
 * plan.partitions[0].offsetBytes; // 1048576
 * ```
 */
export function planDisk(options: DiskOptions): DiskPlan {
  const sectorSizeBytes = options.sectorSizeBytes ?? DISK_DEFAULTS.sectorSizeBytes;
  const alignmentBytes = options.alignmentBytes ?? DISK_DEFAULTS.alignmentBytes;
  const guidSeed = options.guidSeed ?? DISK_DEFAULTS.guidSeed;
  checkOptions(options, sectorSizeBytes, alignmentBytes);

  const numberOfPartitionEntries = DISK_DEFAULTS.numberOfPartitionEntries;
  const entryArraySectors = Math.ceil(
    (numberOfPartitionEntries * GPT_PARTITION_ENTRY_SIZE_BYTES) / sectorSizeBytes,
  );
  // LBA 0: protective MBR; LBA 1: primary header; then the primary entry array.
  const firstUsableLba = 2 + entryArraySectors;
  const alignmentSectors = alignmentBytes / sectorSizeBytes;

  // What the derived GUIDs hash: the layout, never anything that varies between runs.
  const layoutKey = JSON.stringify({
    guidSeed,
    sectorSizeBytes,
    alignmentBytes,
    partitions: options.partitions.map((p) => [p.name, normalizeGuid(p.typeGuid), p.sizeBytes]),
  });
  const diskGuid =
    options.diskGuid === undefined
      ? deriveGuid(`${layoutKey}:disk`)
      : normalizeGuid(options.diskGuid, "disk GUID");

  let nextLba = alignUp(firstUsableLba, alignmentSectors);
  const partitions: PlannedPartition[] = options.partitions.map((spec, index) => {
    const sectors = Math.ceil(spec.sizeBytes / sectorSizeBytes);
    const firstLba = nextLba;
    const lastLba = firstLba + sectors - 1;
    nextLba = alignUp(lastLba + 1, alignmentSectors);
    return {
      name: spec.name,
      typeGuid: normalizeGuid(spec.typeGuid),
      guid:
        spec.guid === undefined
          ? deriveGuid(`${layoutKey}:partition:${index}`)
          : normalizeGuid(spec.guid, `partition "${spec.name}" GUID`),
      firstLba,
      lastLba,
      offsetBytes: firstLba * sectorSizeBytes,
      sizeBytes: sectors * sectorSizeBytes,
    };
  });
  const seen = new Set<string>([diskGuid]);
  for (const partition of partitions) {
    if (seen.has(partition.guid))
      throw new IsoError(
        "ISO_BAD_OPTION",
        `partition "${partition.name}": GUID ${partition.guid} is used twice; GUIDs must be unique on a disk`,
      );
    seen.add(partition.guid);
  }

  const lastPartitionEnd = partitions.length > 0 ? partitions.at(-1)!.lastLba + 1 : firstUsableLba;
  // The backup entry array and header follow the last partition; the disk ends on an alignment boundary.
  const totalSectors = alignUp(lastPartitionEnd + entryArraySectors + 1, alignmentSectors);
  const lastLba = totalSectors - 1;
  const backupEntriesLba = lastLba - entryArraySectors;

  const partitionEntries: GptPartitionEntry[] = partitions.map((partition, i) => ({
    partitionTypeGuid: partition.typeGuid,
    uniquePartitionGuid: partition.guid,
    startingLba: partition.firstLba,
    endingLba: partition.lastLba,
    attributeBits: options.partitions[i]!.attributeBits ?? [],
    partitionName: partition.name,
  }));
  const partitionEntryArrayCrc32 = gptPartitionEntryArrayCrc32(
    gptPartitionEntryArrayToBytes(partitionEntries, numberOfPartitionEntries),
  );
  const common = {
    firstUsableLba,
    lastUsableLba: backupEntriesLba - 1,
    diskGuid,
    numberOfPartitionEntries,
    sizeOfPartitionEntry: GPT_PARTITION_ENTRY_SIZE_BYTES,
    partitionEntryArrayCrc32,
  };
  return {
    sectorSizeBytes,
    sizeBytes: totalSectors * sectorSizeBytes,
    diskGuid,
    primaryHeader: { ...common, myLba: 1, alternateLba: lastLba, partitionEntryLba: 2 },
    backupHeader: { ...common, myLba: lastLba, alternateLba: 1, partitionEntryLba: backupEntriesLba },
    partitionEntries,
    partitions,
  };
}
