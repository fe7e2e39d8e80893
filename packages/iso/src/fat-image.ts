/**
 * fatImage: a whole FAT image in memory from a few files, for the small EFI system partitions ocikit
 * makes (an El Torito EFI image, the ESP of a UKI disk: a few MiB to a few tens of MiB). Directories
 * come from the paths. Bigger trees should stream: planFat, then writeFat.
 */
import { entryFromBytes, type FsEntry, headerOf, normalizeEntryPath } from "@ocikit/fs";
import { type FatOptions, planFat } from "./fat-plan.js";
import { writeFat } from "./fat-writer.js";

/** A file to put in a FAT image: its path inside the image ("EFI/BOOT/BOOTX64.EFI") and its bytes. */
export interface FatFile {
  readonly path: string;
  readonly data: Uint8Array;
}

/**
 * The bytes of a FAT image holding `files` (planFat's options and rules).
 * @throws {IsoError} as planFat: ISO_BAD_TREE, ISO_FILE_TOO_LARGE, ISO_NO_SPACE, ISO_BAD_OPTION
 * @example
 * ```ts
 * const esp = await fatImage([{ path: "EFI/BOOT/BOOTX64.EFI", data: stub }], { volumeLabel: "ESP" });
 * ```
 */
export async function fatImage(files: readonly FatFile[], options: FatOptions): Promise<Uint8Array> {
  const entries: FsEntry[] = files.map((file) =>
    entryFromBytes(
      { path: normalizeEntryPath(file.path), type: "file", mode: 0o644, uid: 0, gid: 0, mtime: 0 },
      file.data,
    ),
  );
  const layout = planFat(entries.map(headerOf), options);
  const image = new Uint8Array(layout.sizeBytes);
  let offset = 0;
  for await (const chunk of writeFat(layout, iterate(entries))) {
    image.set(chunk, offset);
    offset += chunk.length;
  }
  return image;
}

async function* iterate<T>(items: readonly T[]): AsyncIterable<T> {
  yield* items;
}
