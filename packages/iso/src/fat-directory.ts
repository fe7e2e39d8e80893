/**
 * A directory's bytes (fatgen103 §6, §7): each record of the plan as its long-name entries (last
 * piece first) followed by its short entry, then zeros, whose first byte 0 marks the end (§6.1).
 * Every entry carries the layout's one timestamp as its creation, access and write time.
 */
import { assert } from "@ocikit/errors";
import { FAT_DIRECTORY_ENTRY_BYTES, fatDirectoryEntryToBytes } from "./fat-directory-entry.js";
import { fatLongNameEntriesFor, fatLongNameEntryToBytes, shortNameChecksum } from "./fat-long-name.js";
import type { FatDirectoryRecord } from "./fat-plan.js";
import { fatTimestampOf } from "./fat-timestamp.js";

/** The `sizeBytes` bytes of a directory holding `records`, every entry stamped with `recordedAt`. */
export function fatDirectoryToBytes(
  records: readonly FatDirectoryRecord[],
  recordedAt: number,
  sizeBytes: number,
): Uint8Array {
  const bytes = new Uint8Array(sizeBytes);
  const created = fatTimestampOf(recordedAt);
  const written = { date: created.date, time: created.time };
  let offset = 0;
  const put = (entry: Uint8Array) => {
    assert(
      offset + FAT_DIRECTORY_ENTRY_BYTES <= sizeBytes,
      "fat-directory: records overflow the planned size",
    );
    bytes.set(entry, offset);
    offset += FAT_DIRECTORY_ENTRY_BYTES;
  };
  for (const record of records) {
    if (record.longName !== undefined)
      for (const entry of fatLongNameEntriesFor(record.longName, shortNameChecksum(record.shortName)))
        put(fatLongNameEntryToBytes(entry));
    put(
      fatDirectoryEntryToBytes({
        shortName: record.shortName,
        attributes: record.attributes,
        ntReserved: 0,
        created,
        accessedDate: created.date,
        written,
        firstCluster: record.firstCluster,
        fileSize: record.fileSize,
      }),
    );
  }
  return bytes;
}
