/**
 * writeFat: streams the bytes of a FAT image that planFat laid out. Everything before the file data
 * comes from the plan: reserved sectors (boot sector; on FAT32 the FSInfo sector and the backup boot
 * sector and FSInfo at 6 and 7), the two identical FATs, the FAT12/16 root directory region and every
 * directory's clusters. Then each file's bytes as the entry stream delivers them, padded to its last
 * cluster, then zeros to the end. The stream must hold the planned tree in the planned order (the
 * same call that produced the headers, made again); file bodies are checked against their sizes.
 */
import { assert } from "@ocikit/errors";
import type { FsEntry } from "@ocikit/fs";
import { IsoError } from "./errors.js";
import { FAT_SECTOR_BYTES, fatBootSectorToBytes } from "./fat-boot-sector.js";
import { fatDirectoryToBytes } from "./fat-directory.js";
import { fatFsInfoToBytes } from "./fat-fsinfo.js";
import type { FatLayout } from "./fat-plan.js";
import { type FatChain, fatEntriesFor, fatTableToBytes } from "./fat-table.js";

/** The most zero bytes yielded in one chunk. */
const ZERO_CHUNK_BYTES = 1024 * 1024;

/**
 * The image `layout` describes, holding the data of `entries` (regular files and directories in the
 * order of the headers given to planFat; "." may appear).
 * @throws {IsoError} ISO_ENTRY_SIZE_MISMATCH when a body's length differs from the planned size;
 *   ISO_BAD_TREE when the stream differs from the plan (an entry missing, extra or out of order)
 * @example
 * ```ts
 * const layout = planFat(headers, { volumeLabel: "ESP" });
 * await writeFile("esp.img", writeFat(layout, entries()));
 * ```
 */
export async function* writeFat(
  layout: FatLayout,
  entries: AsyncIterable<FsEntry>,
): AsyncIterable<Uint8Array> {
  yield* metadataOf(layout);
  const zeros = new Uint8Array(Math.min(ZERO_CHUNK_BYTES, layout.sizeBytes));
  const directories = new Set(layout.directories.map((d) => d.path));
  let offset = layout.firstDataSector * FAT_SECTOR_BYTES + clustersBefore(layout) * layout.clusterBytes;
  let index = 0;
  for await (const entry of entries) {
    if (entry.type === "dir") {
      if (!directories.has(entry.path)) throw differs(entry.path, "a directory planFat was not given");
      continue;
    }
    const planned = layout.files[index];
    if (entry.type !== "file" || planned === undefined || planned.path !== entry.path)
      throw differs(
        entry.path,
        planned === undefined ? "after the last planned file" : `where ${planned.path} was planned`,
      );
    index++;
    assert(
      planned.clusterCount === 0 || offset === clusterOffset(layout, planned.firstCluster),
      `fat-writer: ${planned.path} is not where the stream is`,
    );
    let written = 0;
    const mismatch = (got: string) =>
      new IsoError(
        "ISO_ENTRY_SIZE_MISMATCH",
        `${entry.path}: the body has ${got} bytes but the plan holds ${planned.sizeBytes}; plan and write the same tree`,
      );
    if (entry.size !== planned.sizeBytes) throw mismatch(`a declared size of ${entry.size}`);
    for await (const chunk of entry.body()) {
      written += chunk.length;
      if (written > planned.sizeBytes) throw mismatch(`more than ${written - chunk.length}`);
      if (chunk.length > 0) yield chunk;
    }
    if (written !== planned.sizeBytes) throw mismatch(`${written}`);
    const allocated = planned.clusterCount * layout.clusterBytes;
    yield* zeroChunks(zeros, allocated - written);
    offset += allocated;
  }
  if (index < layout.files.length) throw differs(layout.files[index]!.path, "missing from the stream");
  yield* zeroChunks(zeros, layout.sizeBytes - offset);
}

/** Reserved sectors, both FATs, the root directory region and all directory clusters. */
function* metadataOf(layout: FatLayout): Generator<Uint8Array> {
  const { bootSector, fatType } = layout;
  const reserved = new Uint8Array(bootSector.reservedSectorCount * FAT_SECTOR_BYTES);
  const boot = fatBootSectorToBytes(bootSector);
  reserved.set(boot, 0);
  if (bootSector.isFat32) {
    const fsInfo = fatFsInfoToBytes({
      freeClusterCount: layout.freeClusterCount,
      nextFreeCluster: layout.nextFreeCluster,
    });
    const backup = bootSector.backupBootSector ?? 6;
    reserved.set(fsInfo, (bootSector.fsInfoSector ?? 1) * FAT_SECTOR_BYTES);
    reserved.set(boot, backup * FAT_SECTOR_BYTES);
    reserved.set(fsInfo, (backup + 1) * FAT_SECTOR_BYTES);
  }
  yield reserved;

  const chains: FatChain[] = [...layout.directories, ...layout.files].filter((c) => c.clusterCount > 0);
  const fat = fatTableToBytes(
    fatType,
    fatEntriesFor(fatType, bootSector.media, layout.clusterCount, chains),
    bootSector.fatSizeSectors * FAT_SECTOR_BYTES,
  );
  for (let i = 0; i < bootSector.numFats; i++) yield fat;

  const [root] = layout.directories;
  assert(root !== undefined && root.path === ".", "fat-writer: the plan has no root directory");
  if (!bootSector.isFat32)
    yield fatDirectoryToBytes(root.records, layout.recordedAt, bootSector.rootEntryCount * 32);
  let cluster = 2;
  for (const directory of layout.directories) {
    if (directory.clusterCount === 0) continue;
    assert(
      directory.firstCluster === cluster,
      `fat-writer: directory ${directory.path} is out of cluster order`,
    );
    yield fatDirectoryToBytes(
      directory.records,
      layout.recordedAt,
      directory.clusterCount * layout.clusterBytes,
    );
    cluster += directory.clusterCount;
  }
}

/** The clusters the directories take, which come before the first file's. */
function clustersBefore(layout: FatLayout): number {
  return layout.directories.reduce((sum, d) => sum + d.clusterCount, 0);
}

function clusterOffset(layout: FatLayout, cluster: number): number {
  return layout.firstDataSector * FAT_SECTOR_BYTES + (cluster - 2) * layout.clusterBytes;
}

function* zeroChunks(zeros: Uint8Array, length: number): Generator<Uint8Array> {
  for (let left = length; left > 0; left -= zeros.length)
    yield zeros.subarray(0, Math.min(left, zeros.length));
}

function differs(path: string, what: string): IsoError {
  return new IsoError(
    "ISO_BAD_TREE",
    `${path}: the entry stream differs from the planned tree (${what}); write the same entries, in the same order, as were planned`,
  );
}
