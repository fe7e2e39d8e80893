/**
 * @ocikit/fs: the entry vocabulary shared by every ocikit reader and writer.
 *
 * @example
 * ```ts
 * import { entryFromBytes, normalizeEntryPath } from "@ocikit/fs";
 * const hosts = entryFromBytes(
 *   { path: normalizeEntryPath("/etc/hosts"), type: "file", mode: 0o644, uid: 0, gid: 0, mtime: 0 },
 *   new TextEncoder().encode("127.0.0.1 localhost\n"),
 * );
 * ```
 */
export { ChunkReader } from "./chunk-reader.js";
export { baseName, isWithin, joinEntryPath, normalizeEntryPath, parentPath } from "./entry-path.js";
export {
  emptyBody,
  entryFromBytes,
  type FsEntry,
  type FsEntryType,
  type FsHeader,
  headerOf,
} from "./fs-entry.js";
export { ensureDir } from "./host-dirs.js";
export { hostRefusalReason } from "./host-errors.js";
export { OutputCoalescer } from "./output-coalescer.js";
export { readAt } from "./read-at.js";
export { sizedBody } from "./sized-body.js";
