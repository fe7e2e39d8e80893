/**
 * The File Allocation Table (fatgen103 §4): one entry per cluster, 12, 16 or 28 bits (FAT32 entries
 * are 32 bits whose top 4 are reserved), each holding the next cluster of its chain, an end-of-chain
 * mark, or 0 for free. FAT[0] holds BPB_Media in its low byte with all other bits set; FAT[1] holds
 * an end-of-chain mark whose top bits say "cleanly unmounted, no disk errors" (§4.2). We write all
 * copies of the table identical (BPB_NumFATs = 2, mirroring on).
 * Left out: bad-cluster marks (a fresh image has no bad clusters).
 */
import type { FatType } from "./fat-boot-sector.js";

/** The end-of-chain mark we write (the largest value, as fatgen103 recommends). */
export const FAT_END_OF_CHAIN: Readonly<Record<FatType, number>> = {
  fat12: 0xfff,
  fat16: 0xffff,
  fat32: 0x0fff_ffff,
};

/** A run of consecutive clusters forming one chain (a file or directory, allocated contiguously). */
export interface FatChain {
  readonly firstCluster: number;
  readonly clusterCount: number;
}

/**
 * The entries of a FAT for `clusterCount` data clusters (entries 0 … clusterCount + 1): the two
 * reserved entries, then each chain as a run of "next cluster" links ending in end-of-chain.
 */
export function fatEntriesFor(
  fatType: FatType,
  media: number,
  clusterCount: number,
  chains: readonly FatChain[],
): Uint32Array {
  const eoc = FAT_END_OF_CHAIN[fatType];
  const entries = new Uint32Array(clusterCount + 2);
  entries[0] = (eoc & ~0xff) | media;
  entries[1] = eoc;
  for (const { firstCluster, clusterCount: length } of chains) {
    for (let i = 0; i < length - 1; i++) entries[firstCluster + i] = firstCluster + i + 1;
    if (length > 0) entries[firstCluster + length - 1] = eoc;
  }
  return entries;
}

/** One FAT as bytes, `sizeBytes` long (BPB_FATSz × 512; the entries past the last cluster are 0). */
export function fatTableToBytes(fatType: FatType, entries: ArrayLike<number>, sizeBytes: number): Uint8Array {
  const table = new Uint8Array(sizeBytes);
  const view = new DataView(table.buffer);
  for (let n = 0; n < entries.length; n++) {
    const value = entries[n]!;
    if (fatType === "fat32") view.setUint32(n * 4, value & 0x0fff_ffff, true);
    else if (fatType === "fat16") view.setUint16(n * 2, value, true);
    else {
      // FAT12 packs two entries in three bytes: an even entry takes the low 12 bits of the pair.
      const offset = n + (n >> 1);
      if (n % 2 === 0) {
        table[offset] = value & 0xff;
        table[offset + 1] = (table[offset + 1]! & 0xf0) | ((value >> 8) & 0x0f);
      } else {
        table[offset] = (table[offset]! & 0x0f) | ((value << 4) & 0xf0);
        table[offset + 1] = (value >> 4) & 0xff;
      }
    }
  }
  return table;
}

/** The first `count` entries of the FAT in `table` (FAT32 entries with their reserved top bits cleared). */
export function fatTableFromBytes(fatType: FatType, table: Uint8Array, count: number): Uint32Array {
  const view = new DataView(table.buffer, table.byteOffset, table.byteLength);
  const entries = new Uint32Array(count);
  for (let n = 0; n < count; n++) {
    if (fatType === "fat32") entries[n] = view.getUint32(n * 4, true) & 0x0fff_ffff;
    else if (fatType === "fat16") entries[n] = view.getUint16(n * 2, true);
    else {
      const offset = n + (n >> 1);
      const pair = table[offset]! | (table[offset + 1]! << 8);
      entries[n] = n % 2 === 0 ? pair & 0xfff : pair >> 4;
    }
  }
  return entries;
}

/** FAT bytes needed for `clusterCount` data clusters plus the two reserved entries. */
export function fatTableBytesFor(fatType: FatType, clusterCount: number): number {
  const entries = clusterCount + 2;
  if (fatType === "fat12") return Math.ceil((entries * 3) / 2);
  return entries * (fatType === "fat16" ? 2 : 4);
}
