/**
 * @ocikit/initrd: initrds as the Linux kernel unpacks them — a streaming cpio "newc" writer (LinuxKit's
 * layout), a reader for newc archives and for whole initrd files (uncompressed and gzip members,
 * concatenated), and gzip compression of members (one stream, or blocks deflated on several threads).
 *
 * @example
 * ```ts
 * import { entryFromBytes } from "@ocikit/fs";
 * import { gzipMember, readInitrd, writeNewc } from "@ocikit/initrd";
 * async function* entries() {
 *   yield entryFromBytes({ path: "init", type: "file", mode: 0o755, uid: 0, gid: 0, mtime: 0 }, script);
 * }
 * await writeFile("initrd.img", gzipMember(writeNewc(entries())));
 * for await (const e of readInitrd(createReadStream("initrd.img"))) console.log(e.path, e.size);
 * ```
 */
export {
  type CompressOptions,
  compressMember,
  GZIP_DEFAULTS,
  type GzipOptions,
  gzipMember,
  INITRD_COMPRESSIONS,
  type InitrdCompression,
  isInitrdCompression,
} from "./compress.js";
export { InitrdError, type InitrdErrorCode, type InitrdErrorData } from "./errors.js";
export { type InitrdEntry, readInitrd } from "./initrd-reader.js";
export { KERNEL_PATH_MAX, type NewcHeaderFields } from "./newc-header.js";
export { type NewcEntry, type NewcHeader, readNewc } from "./newc-reader.js";
export {
  hardlinkAsSymlinkTarget,
  NEWC_WRITER_DEFAULTS,
  type NewcWriterOptions,
  writeNewc,
} from "./newc-writer.js";
export {
  PARALLEL_GZIP_DEFAULTS,
  type ParallelGzipOptions,
  parallelGzipMember,
} from "./parallel-gzip.js";
