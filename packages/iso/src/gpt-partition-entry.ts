/**
 * The GPT partition entry (UEFI 2.10 §5.3.3, Table 5.6) and the partition entry array they form: 128
 * bytes each — PartitionTypeGUID, UniquePartitionGUID, StartingLBA, EndingLBA (inclusive), Attributes
 * (64 bits) and PartitionName (36 UTF-16LE code units, zero-padded). An entry whose type GUID is all
 * zeros is unused. The array's CRC32 goes into both headers.
 * Left out: entry sizes other than 128 bytes (allowed by the specification, written by no tool we know).
 */
import { crc32 } from "node:zlib";
import { IsoError } from "./errors.js";
import { guidFromBytes, guidToBytes } from "./gpt-guid.js";

/** SizeOfPartitionEntry that every tool writes. */
export const GPT_PARTITION_ENTRY_SIZE_BYTES = 128;
/** Code units PartitionName holds. */
export const GPT_PARTITION_NAME_LENGTH = 36;
/** The type GUID of an unused entry. */
export const UNUSED_ENTRY_TYPE_GUID = "00000000-0000-0000-0000-000000000000";

/** One partition entry. */
export interface GptPartitionEntry {
  readonly partitionTypeGuid: string;
  readonly uniquePartitionGuid: string;
  readonly startingLba: number;
  /** Inclusive. */
  readonly endingLba: number;
  /** Attribute bits set (0: required partition, 1: no block I/O protocol, 2: legacy BIOS bootable, 48–63: type-specific). */
  readonly attributeBits: readonly number[];
  readonly partitionName: string;
}

/**
 * `name` as PartitionName stores it: UTF-16LE, zero-padded to 72 bytes.
 * @throws {IsoError} ISO_BAD_OPTION when it is longer than 36 UTF-16 code units
 */
export function encodePartitionName(name: string): Uint8Array {
  if (name.length > GPT_PARTITION_NAME_LENGTH)
    throw new IsoError(
      "ISO_BAD_OPTION",
      `partition name "${name}": ${name.length} UTF-16 code units; GPT holds at most ${GPT_PARTITION_NAME_LENGTH}`,
    );
  const bytes = new Uint8Array(2 * GPT_PARTITION_NAME_LENGTH);
  bytes.set(Buffer.from(name, "utf16le"));
  return bytes;
}

/** The 128 bytes of `entry`. @throws {IsoError} ISO_BAD_OPTION for a malformed GUID or a long name */
export function gptPartitionEntryToBytes(entry: GptPartitionEntry): Uint8Array {
  const bytes = new Uint8Array(GPT_PARTITION_ENTRY_SIZE_BYTES);
  const view = new DataView(bytes.buffer);
  bytes.set(guidToBytes(entry.partitionTypeGuid), 0);
  bytes.set(guidToBytes(entry.uniquePartitionGuid), 16);
  view.setBigUint64(32, BigInt(entry.startingLba), true);
  view.setBigUint64(40, BigInt(entry.endingLba), true);
  let attributes = 0n;
  for (const bit of entry.attributeBits) {
    if (!Number.isInteger(bit) || bit < 0 || bit > 63)
      throw new IsoError(
        "ISO_BAD_OPTION",
        `partition "${entry.partitionName}": attribute bit ${bit}; expected 0 to 63`,
      );
    attributes |= 1n << BigInt(bit);
  }
  view.setBigUint64(48, attributes, true);
  bytes.set(encodePartitionName(entry.partitionName), 56);
  return bytes;
}

/** The entry in `bytes[0..128)`; an unused entry has the all-zero type GUID. */
export function gptPartitionEntryFromBytes(bytes: Uint8Array): GptPartitionEntry {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const attributes = view.getBigUint64(48, true);
  const attributeBits: number[] = [];
  for (let bit = 0; bit < 64; bit++) if ((attributes >> BigInt(bit)) & 1n) attributeBits.push(bit);
  const name = Buffer.from(bytes.subarray(56, 128)).toString("utf16le");
  const end = name.indexOf("\0");
  return {
    partitionTypeGuid: guidFromBytes(bytes.subarray(0, 16)),
    uniquePartitionGuid: guidFromBytes(bytes.subarray(16, 32)),
    startingLba: Number(view.getBigUint64(32, true)),
    endingLba: Number(view.getBigUint64(40, true)),
    attributeBits,
    partitionName: end === -1 ? name : name.slice(0, end),
  };
}

/** The partition entry array: `entries` then unused (zero) entries up to `numberOfEntries`. */
export function gptPartitionEntryArrayToBytes(
  entries: readonly GptPartitionEntry[],
  numberOfEntries: number,
): Uint8Array {
  if (entries.length > numberOfEntries)
    throw new IsoError(
      "ISO_BAD_OPTION",
      `GPT: ${entries.length} partitions; the partition entry array holds ${numberOfEntries}`,
    );
  const array = new Uint8Array(numberOfEntries * GPT_PARTITION_ENTRY_SIZE_BYTES);
  entries.forEach((entry, i) => {
    array.set(gptPartitionEntryToBytes(entry), i * GPT_PARTITION_ENTRY_SIZE_BYTES);
  });
  return array;
}

/** The used entries of a partition entry array (the unused, all-zero-type ones dropped). */
export function gptPartitionEntryArrayFromBytes(array: Uint8Array): GptPartitionEntry[] {
  const entries: GptPartitionEntry[] = [];
  for (
    let offset = 0;
    offset + GPT_PARTITION_ENTRY_SIZE_BYTES <= array.length;
    offset += GPT_PARTITION_ENTRY_SIZE_BYTES
  ) {
    const entry = gptPartitionEntryFromBytes(array.subarray(offset, offset + GPT_PARTITION_ENTRY_SIZE_BYTES));
    if (entry.partitionTypeGuid !== UNUSED_ENTRY_TYPE_GUID) entries.push(entry);
  }
  return entries;
}

/** PartitionEntryArrayCRC32: the CRC32 of the whole array, unused entries included. */
export function gptPartitionEntryArrayCrc32(array: Uint8Array): number {
  return crc32(array);
}
