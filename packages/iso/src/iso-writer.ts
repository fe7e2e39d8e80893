/**
 * `writeIso`: streams the image an `IsoLayout` describes. Everything up to the file data (system
 * area, volume descriptors, path tables, directories, continuation areas, boot catalog) is encoded
 * from the layout; then each entry's body is copied in stream order to its planned sectors, checked
 * against its header's size. A BIOS boot image that needs the boot information table is buffered
 * whole (isolinux.bin is ~40 KiB) and patched; nothing else is held. Small pieces are coalesced into
 * 64 KiB chunks.
 */
import { assert } from "@ocikit/errors";
import { type FsEntry, OutputCoalescer, sizedBody } from "@ocikit/fs";
import { patchBootInfoTable } from "./boot-info-table.js";
import {
  type DirectoryRecord,
  directoryRecordToBytes,
  FILE_FLAG_DIRECTORY,
  SELF_IDENTIFIER,
} from "./directory-record.js";
import { bootRecordToBytes } from "./el-torito-boot-record.js";
import { bootCatalogToBytes } from "./el-torito-catalog.js";
import { IsoError } from "./errors.js";
import type { IsoDirectoryLayout, IsoHierarchyLayout, IsoLayout, IsoStreamSlot } from "./iso-layout.js";
import { ISO_APPLICATION_ID, ISO_PUBLISHER_ID } from "./iso-plan.js";
import { identifierBytes } from "./iso-records.js";
import { ISOLINUX_HYBRID_SIGNATURE, isohybridMbrToBytes } from "./isohybrid-mbr.js";
import { pathTableToBytes } from "./path-table.js";
import { systemUseEntryToBytes } from "./system-use-entry.js";
import {
  SECTOR_SIZE,
  terminatorToBytes,
  type VolumeDescriptor,
  volumeDescriptorToBytes,
} from "./volume-descriptor.js";

/** The chunk size the writer coalesces small pieces into. */
export const ISO_OUTPUT_CHUNK_SIZE = 64 * 1024;

/**
 * Writes the image `layout` describes, reading each body from `entries`, which must be the entries
 * whose headers `planIso` was given, in the same order (stream them a second time).
 * @example
 * ```ts
 * const layout = planIso(await headersOf(rootfs()), { volumeId: "LINUXKIT" });
 * await writeFile("linuxkit.iso", writeIso(layout, rootfs()));
 * ```
 * @throws {IsoError} while streaming: ISO_STREAM_MISMATCH (an entry's path, type or size differs from
 *   its header's, or there are more or fewer entries), ISO_ENTRY_SIZE_MISMATCH (a body's byte count
 *   differs from its size), ISO_BOOT_FILE (an isohybrid boot image without isolinux.bin's signature)
 */
export async function* writeIso(
  layout: IsoLayout,
  entries: AsyncIterable<FsEntry>,
): AsyncIterable<Uint8Array> {
  const out = new OutputCoalescer(ISO_OUTPUT_CHUNK_SIZE);
  for (const { lba, bytes } of metadataSectors(layout)) {
    const at = lba * SECTOR_SIZE;
    assert(at >= out.written, `metadata at sector ${lba} overlaps what was written`);
    yield* out.zeros(at - out.written);
    yield* out.add(bytes);
  }
  yield* out.zeros(layout.dataLba * SECTOR_SIZE - out.written);
  let index = 0;
  for await (const entry of entries) {
    const slot = layout.slots[index];
    if (slot === undefined) {
      throw new IsoError(
        "ISO_STREAM_MISMATCH",
        `${entry.path}: the stream has more than the ${layout.slots.length} entries the layout was planned from; stream the same entries again`,
      );
    }
    if (entry.path !== slot.path || entry.type !== slot.type || entry.size !== slot.size) {
      throw new IsoError(
        "ISO_STREAM_MISMATCH",
        `${entry.path}: entry ${index} of the stream is a ${entry.type} of ${entry.size} bytes but the layout was planned for ${slot.path}, a ${slot.type} of ${slot.size} bytes; stream the same entries in the same order`,
      );
    }
    index++;
    if (slot.dataLba === undefined) continue; // not written: the body is left unread
    assert(
      out.written === slot.dataLba * SECTOR_SIZE,
      `${slot.path} at byte ${out.written}, planned at sector ${slot.dataLba}`,
    );
    if (slot.bootInfoTable || slot.isohybridBootImage) yield* out.add(await bootImage(entry, slot, layout));
    else yield* copyBody(entry, out);
    yield* out.zeros((SECTOR_SIZE - (entry.size % SECTOR_SIZE)) % SECTOR_SIZE);
  }
  if (index < layout.slots.length) {
    throw new IsoError(
      "ISO_STREAM_MISMATCH",
      `${layout.slots[index]!.path}: the stream ended after ${index} entries; the layout was planned from ${layout.slots.length}`,
    );
  }
  yield* out.zeros(layout.volumeSpaceSectors * SECTOR_SIZE - out.written);
  yield* out.flush();
}

/** Every metadata structure as (sector, bytes), in increasing sector order. */
function metadataSectors(layout: IsoLayout): { lba: number; bytes: Uint8Array }[] {
  const sectors: { lba: number; bytes: Uint8Array }[] = [];
  const hybrid = layout.boot?.isohybrid;
  if (hybrid) {
    const { mbrTemplate, bootImageLba, efi, diskSignature } = hybrid;
    const imageBytes = layout.volumeSpaceSectors * SECTOR_SIZE;
    sectors.push({
      lba: 0,
      bytes: isohybridMbrToBytes({
        template: mbrTemplate,
        bootImageLba,
        imageBytes,
        diskSignature,
        ...(efi ? { efi } : {}),
      }),
    });
  }
  sectors.push({
    lba: layout.primaryVolumeDescriptorLba,
    bytes: volumeDescriptorToBytes(descriptor(layout, layout.primary)),
  });
  if (layout.bootRecordLba !== undefined && layout.boot) {
    sectors.push({ lba: layout.bootRecordLba, bytes: bootRecordToBytes(layout.boot.catalogLba) });
  }
  if (layout.jolietVolumeDescriptorLba !== undefined && layout.jolietHierarchy) {
    sectors.push({
      lba: layout.jolietVolumeDescriptorLba,
      bytes: volumeDescriptorToBytes(descriptor(layout, layout.jolietHierarchy)),
    });
  }
  sectors.push({ lba: layout.terminatorLba, bytes: terminatorToBytes() });
  const hierarchies = [layout.primary, ...(layout.jolietHierarchy ? [layout.jolietHierarchy] : [])];
  for (const h of hierarchies) {
    const records = h.directories.map((d) => ({
      identifier: d.parentNumber === 0 ? SELF_IDENTIFIER : identifierBytes(d.identifier, h.encoding),
      extentLba: d.lba,
      parentNumber: d.parentNumber,
    }));
    sectors.push({ lba: h.lPathTableLba, bytes: pathTableToBytes(records, "le") });
    sectors.push({ lba: h.mPathTableLba, bytes: pathTableToBytes(records, "be") });
  }
  for (const d of layout.primary.directories) {
    sectors.push({ lba: d.lba, bytes: directoryExtent(d, layout.primary, layout.recordedAtSeconds) });
  }
  let area: { lba: number; bytes: Uint8Array } | undefined;
  for (const c of layout.continuationAreas) {
    if (area?.lba !== c.lba) {
      area = { lba: c.lba, bytes: new Uint8Array(SECTOR_SIZE) };
      sectors.push(area);
    }
    let at = c.offset;
    for (const entry of c.entries) {
      const bytes = systemUseEntryToBytes(entry);
      area.bytes.set(bytes, at);
      at += bytes.length;
    }
  }
  for (const d of layout.jolietHierarchy?.directories ?? []) {
    sectors.push({
      lba: d.lba,
      bytes: directoryExtent(d, layout.jolietHierarchy!, layout.recordedAtSeconds),
    });
  }
  if (layout.boot) {
    sectors.push({
      lba: layout.boot.catalogLba,
      bytes: bootCatalogToBytes({
        idString: ISO_APPLICATION_ID,
        entries: layout.boot.entries.map((e) => ({
          platform: e.platform,
          loadSegment: 0,
          systemType: 0,
          sectorCount: e.sectorCount,
          loadLba: e.lba,
        })),
      }),
    });
  }
  return sectors;
}

function descriptor(layout: IsoLayout, h: IsoHierarchyLayout): VolumeDescriptor {
  const root = h.directories[0]!;
  return {
    kind: h.encoding === "ucs-2" ? "joliet" : "primary",
    systemId: "",
    volumeId: h.encoding === "ucs-2" ? layout.volumeId.slice(0, 16) : layout.volumeId,
    volumeSpaceSectors: layout.volumeSpaceSectors,
    pathTableBytes: h.pathTableBytes,
    lPathTableLba: h.lPathTableLba,
    mPathTableLba: h.mPathTableLba,
    rootRecord: {
      extentLba: root.lba,
      dataLength: root.sectors * SECTOR_SIZE,
      recordedAtSeconds: layout.recordedAtSeconds,
      fileFlags: FILE_FLAG_DIRECTORY,
      identifier: SELF_IDENTIFIER,
      systemUse: new Uint8Array(0),
    },
    volumeSetId: "",
    publisherId: ISO_PUBLISHER_ID,
    dataPreparerId: "",
    applicationId: ISO_APPLICATION_ID,
    createdAtSeconds: layout.recordedAtSeconds,
    modifiedAtSeconds: layout.recordedAtSeconds,
  };
}

/** One directory's extent: its records at their offsets. */
function directoryExtent(
  d: IsoDirectoryLayout,
  h: IsoHierarchyLayout,
  recordedAtSeconds: number,
): Uint8Array {
  const bytes = new Uint8Array(d.sectors * SECTOR_SIZE);
  for (const r of d.records) {
    const systemUse = concat(r.systemUse.map(systemUseEntryToBytes));
    const record: DirectoryRecord = {
      extentLba: r.extentLba,
      dataLength: r.dataLength,
      recordedAtSeconds,
      fileFlags: r.isDirectory ? FILE_FLAG_DIRECTORY : 0,
      identifier: identifierBytes(r.identifier, h.encoding),
      systemUse,
    };
    bytes.set(directoryRecordToBytes(record), r.offset);
  }
  return bytes;
}

/** Streams a body, checking that it has exactly `size` bytes. */
async function* copyBody(entry: FsEntry, out: OutputCoalescer): AsyncIterable<Uint8Array> {
  for await (const chunk of sizedBody(entry, (got) => sizeMismatch(entry, got))) yield* out.add(chunk);
}

/** A BIOS boot image, read whole, with its boot information table patched in. */
async function bootImage(entry: FsEntry, slot: IsoStreamSlot, layout: IsoLayout): Promise<Uint8Array> {
  const image = new Uint8Array(entry.size);
  let copied = 0;
  for await (const chunk of sizedBody(entry, (got) => sizeMismatch(entry, got))) {
    image.set(chunk, copied);
    copied += chunk.length;
  }
  if (slot.bootInfoTable) patchBootInfoTable(image, layout.primaryVolumeDescriptorLba, slot.dataLba!);
  if (slot.isohybridBootImage && !ISOLINUX_HYBRID_SIGNATURE.every((b, i) => image[64 + i] === b)) {
    throw new IsoError(
      "ISO_BOOT_FILE",
      `${entry.path}: not an isohybrid-capable isolinux.bin (no signature FB C0 78 70 at byte 64); use syslinux's isolinux.bin, not isolinux-debug.bin`,
    );
  }
  return image;
}

function sizeMismatch(entry: FsEntry, got: string): IsoError {
  return new IsoError(
    "ISO_ENTRY_SIZE_MISMATCH",
    `${entry.path}: the body has ${got} bytes but the entry's size is ${entry.size}; the entry source is inconsistent`,
  );
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
}
