/**
 * Writing a GPT disk image as a stream, front to back, following a `DiskPlan`: the protective MBR
 * (LBA 0), the primary header (LBA 1) and entry array, each partition's bytes (zero-filled to its end),
 * the backup entry array and, in the last block, the backup header (UEFI 2.10 §5.3.1, Figure 5.1).
 * Nothing is buffered beyond one chunk of a partition's contents and the 16 KiB entry array.
 */

import type { DiskPlan } from "./disk-plan.js";
import { IsoError } from "./errors.js";
import { gptHeaderToBytes } from "./gpt-header.js";
import { gptPartitionEntryArrayToBytes } from "./gpt-partition-entry.js";
import { mbrToBytes, protectiveMbr } from "./protective-mbr.js";

const ZERO_CHUNK_BYTES = 1024 * 1024;

function* zeros(length: number): Iterable<Uint8Array> {
  for (let left = length; left > 0; left -= ZERO_CHUNK_BYTES)
    yield new Uint8Array(Math.min(left, ZERO_CHUNK_BYTES));
}

/**
 * The disk image `plan` describes, with `partitionContents[i]` as partition i's bytes (shorter
 * contents are zero-filled to the partition's end).
 * @throws {IsoError} ISO_BAD_OPTION when there are not as many contents as partitions
 * @throws {IsoError} ISO_NO_SPACE when a partition's contents exceed its size
 * @example
 * ```ts
 * const plan = planDisk({ partitions: [{ name: "ESP", typeGuid: EFI_SYSTEM_PARTITION_TYPE_GUID, sizeBytes: esp.length }] });
 * await writeFile("disk.img", writeDiskImage(plan, [(async function* () { yield esp; })()]));
 * ```
 */
export async function* writeDiskImage(
  plan: DiskPlan,
  partitionContents: readonly AsyncIterable<Uint8Array>[],
): AsyncIterable<Uint8Array> {
  if (partitionContents.length !== plan.partitions.length)
    throw new IsoError(
      "ISO_BAD_OPTION",
      `disk image: ${partitionContents.length} partition contents for ${plan.partitions.length} partitions; give one per partition`,
    );
  const sector = plan.sectorSizeBytes;
  const totalSectors = plan.sizeBytes / sector;
  const entryArray = gptPartitionEntryArrayToBytes(
    plan.partitionEntries,
    plan.primaryHeader.numberOfPartitionEntries,
  );
  const entryArrayBytes = Math.ceil(entryArray.length / sector) * sector;

  let offset = 0;
  const emit = (bytes: Uint8Array) => {
    offset += bytes.length;
    return bytes;
  };
  function* padTo(target: number): Iterable<Uint8Array> {
    for (const chunk of zeros(target - offset)) yield emit(chunk);
  }

  const mbr = mbrToBytes(protectiveMbr(totalSectors));
  const lba0 = new Uint8Array(sector);
  lba0.set(mbr);
  yield emit(lba0);
  yield emit(gptHeaderToBytes(plan.primaryHeader, sector));
  yield emit(entryArray);
  yield* padTo(2 * sector + entryArrayBytes);

  for (const [index, partition] of plan.partitions.entries()) {
    yield* padTo(partition.offsetBytes);
    const end = partition.offsetBytes + partition.sizeBytes;
    for await (const chunk of partitionContents[index]!) {
      if (offset + chunk.length > end)
        throw new IsoError(
          "ISO_NO_SPACE",
          `partition "${partition.name}": its contents exceed its ${partition.sizeBytes} bytes; plan it larger`,
        );
      if (chunk.length > 0) yield emit(chunk);
    }
    yield* padTo(end);
  }

  yield* padTo(plan.backupHeader.partitionEntryLba * sector);
  yield emit(entryArray);
  yield* padTo(plan.backupHeader.myLba * sector);
  yield emit(gptHeaderToBytes(plan.backupHeader, sector));
}
