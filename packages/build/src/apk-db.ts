/**
 * The merged Alpine package database (linuxkit-reference.md §3.3): when more than one init image
 * carries `lib/apk/db/installed`, LinuxKit appends one database that is each of them followed by two
 * newlines, in order (mode 0644, root, mtime 0), so `apk` in the image sees every init package.
 */
import type { FsEntry } from "@ocikit/fs";
import { flattenImage, type Image } from "@ocikit/oci";
import { fileEntry } from "./generated-entries.js";

export const APK_DB_PATH = "lib/apk/db/installed";

/** The merged database entry, or nothing when fewer than two init images have one. */
export async function* apkDatabaseEntries(initImages: readonly Image[]): AsyncIterable<FsEntry> {
  const databases: Uint8Array[] = [];
  for (const image of initImages) {
    for await (const entry of flattenImage(image)) {
      if (entry.path !== APK_DB_PATH || entry.type !== "file") continue;
      const parts: Uint8Array[] = [];
      for await (const chunk of entry.body()) parts.push(chunk);
      databases.push(Buffer.concat(parts));
    }
  }
  if (databases.length < 2) return;
  const merged = Buffer.concat(databases.flatMap((db) => [db, Buffer.from("\n\n")]));
  yield fileEntry(APK_DB_PATH, merged, 0o644, { uid: 0, gid: 0 }, 0);
}
