/**
 * The GPT header (UEFI 2.10 §5.3.2, Table 5.5): 92 bytes at the start of LBA 1 (the primary) and of
 * the disk's last LBA (the backup), the rest of the block zero. Its CRC32 covers HeaderSize bytes with
 * the CRC field taken as zero; PartitionEntryArrayCRC32 covers the whole entry array. The two headers
 * differ only in MyLBA, AlternateLBA, PartitionEntryLBA and so in their CRC.
 * Left out: header revisions other than 1.0 and headers longer than 92 bytes.
 */
import { crc32 } from "node:zlib";
import { IsoError } from "./errors.js";
import { guidFromBytes, guidToBytes } from "./gpt-guid.js";

/** "EFI PART", the header's Signature. */
export const GPT_SIGNATURE = "EFI PART";
/** Revision 1.0, the only one the specification defines. */
export const GPT_REVISION = 0x0001_0000;
/** HeaderSize: the bytes the header CRC covers. */
export const GPT_HEADER_SIZE_BYTES = 92;

/** A GPT header's fields (LBAs are block numbers). */
export interface GptHeader {
  readonly myLba: number;
  readonly alternateLba: number;
  readonly firstUsableLba: number;
  readonly lastUsableLba: number;
  readonly diskGuid: string;
  readonly partitionEntryLba: number;
  readonly numberOfPartitionEntries: number;
  readonly sizeOfPartitionEntry: number;
  readonly partitionEntryArrayCrc32: number;
}

/** A header as read back: its fields plus the HeaderCRC32 it stored. */
export interface StoredGptHeader extends GptHeader {
  readonly revision: number;
  readonly headerSizeBytes: number;
  readonly headerCrc32: number;
}

/** The CRC32 of the first HeaderSize bytes of `block` with the HeaderCRC32 field taken as zero. */
export function gptHeaderCrc32(block: Uint8Array): number {
  const size = new DataView(block.buffer, block.byteOffset, block.byteLength).getUint32(12, true);
  const copy = block.slice(0, size);
  copy.fill(0, 16, 20);
  return crc32(copy);
}

/** One block (`blockSizeBytes`, 512 by default) holding `header` and its CRC, zero after 92 bytes. */
export function gptHeaderToBytes(header: GptHeader, blockSizeBytes = 512): Uint8Array {
  const block = new Uint8Array(blockSizeBytes);
  const view = new DataView(block.buffer);
  block.set(new TextEncoder().encode(GPT_SIGNATURE), 0);
  view.setUint32(8, GPT_REVISION, true);
  view.setUint32(12, GPT_HEADER_SIZE_BYTES, true);
  // 16: HeaderCRC32, filled below; 20: Reserved, zero.
  view.setBigUint64(24, BigInt(header.myLba), true);
  view.setBigUint64(32, BigInt(header.alternateLba), true);
  view.setBigUint64(40, BigInt(header.firstUsableLba), true);
  view.setBigUint64(48, BigInt(header.lastUsableLba), true);
  block.set(guidToBytes(header.diskGuid), 56);
  view.setBigUint64(72, BigInt(header.partitionEntryLba), true);
  view.setUint32(80, header.numberOfPartitionEntries, true);
  view.setUint32(84, header.sizeOfPartitionEntry, true);
  view.setUint32(88, header.partitionEntryArrayCrc32 >>> 0, true);
  view.setUint32(16, gptHeaderCrc32(block), true);
  return block;
}

/**
 * The header in `block` (its CRC is returned, not checked: compare it with `gptHeaderCrc32`).
 * @throws {IsoError} ISO_BAD_OPTION when `block` does not start with "EFI PART"
 */
export function gptHeaderFromBytes(block: Uint8Array): StoredGptHeader {
  const signature = new TextDecoder("latin1").decode(block.subarray(0, 8));
  if (block.length < GPT_HEADER_SIZE_BYTES || signature !== GPT_SIGNATURE)
    throw new IsoError(
      "ISO_BAD_OPTION",
      `GPT header: signature is ${JSON.stringify(signature)}; expected "EFI PART"`,
    );
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
  const lba = (offset: number) => Number(view.getBigUint64(offset, true));
  return {
    revision: view.getUint32(8, true),
    headerSizeBytes: view.getUint32(12, true),
    headerCrc32: view.getUint32(16, true),
    myLba: lba(24),
    alternateLba: lba(32),
    firstUsableLba: lba(40),
    lastUsableLba: lba(48),
    diskGuid: guidFromBytes(block.subarray(56, 72)),
    partitionEntryLba: lba(72),
    numberOfPartitionEntries: view.getUint32(80, true),
    sizeOfPartitionEntry: view.getUint32(84, true),
    partitionEntryArrayCrc32: view.getUint32(88, true),
  };
}
