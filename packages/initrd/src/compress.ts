/**
 * Compression of initrd members, through node:zlib. The kernel unpacks concatenated compressed
 * members one after another (init/initramfs.c), so each section of an initrd can be compressed on
 * its own and the results concatenated.
 *
 * gzip: node writes the header `1f 8b 08 00 00 00 00 00 XFL 03` — no file name, MTIME 0, XFL 00 at
 * levels 2–8 (02 at level 9, 04 at levels 0–1), OS 03 (Unix) — so the output depends only on the
 * input, the level and zlib's build (the one bundled with node). LinuxKit's pgzip writes
 * `1f 8b 08 00 00 09 6e 88 00 ff` (reference §3.12); byte-identical gzip is not a goal.
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { InitrdError } from "./errors.js";

/** How an initrd member is stored: gzip, or plain cpio. */
export type InitrdCompression = "gzip" | "none";

export const INITRD_COMPRESSIONS: readonly InitrdCompression[] = ["gzip", "none"];

/** Options of `gzipMember`; defaults in `GZIP_DEFAULTS`. */
export interface GzipOptions {
  /** zlib's compression level, 0 (store) to 9. Default 6, gzip(1)'s default. */
  readonly level?: number;
}

export const GZIP_DEFAULTS = { level: 6 } as const;

/** Options of `compressMember`. */
export interface CompressOptions extends GzipOptions {
  readonly compression: InitrdCompression;
}

const OUTPUT_CHUNK = 64 * 1024;

/**
 * Compresses a byte stream into one gzip member (deterministic: no name, MTIME 0), streaming.
 * @example
 * ```ts
 * await writeFile("initrd.img", gzipMember(writeNewc(entries)));
 * ```
 * @throws {InitrdError} INITRD_BAD_OPTION at once for a level outside 0…9; while streaming, whatever
 *   the input stream throws, unchanged
 */
export function gzipMember(
  chunks: AsyncIterable<Uint8Array>,
  options: GzipOptions = {},
): AsyncIterable<Uint8Array> {
  const { level } = { ...GZIP_DEFAULTS, ...options };
  if (!Number.isInteger(level) || level < 0 || level > 9) {
    throw new InitrdError(
      "INITRD_BAD_OPTION",
      `gzip level ${level} is out of range; expected an integer from 0 to 9`,
    );
  }
  return gzipStream(chunks, level);
}

async function* gzipStream(chunks: AsyncIterable<Uint8Array>, level: number): AsyncIterable<Uint8Array> {
  const gzip = createGzip({ level, chunkSize: OUTPUT_CHUNK });
  // pipeline() destroys the deflater with the source's error (so the loop below rethrows it) and
  // returns the source when the consumer stops early.
  const piped = pipeline(Readable.from(chunks, { objectMode: false }), gzip);
  piped.catch(() => {}); // reported through `gzip`
  for await (const chunk of gzip as AsyncIterable<Uint8Array>) yield chunk;
  await piped;
}

/**
 * Stores a member as `compression` says: gzip (`level`, default 6) or unchanged (`"none"`).
 * @throws {InitrdError} INITRD_BAD_OPTION at once for an unknown compression or a bad level
 */
export function compressMember(
  chunks: AsyncIterable<Uint8Array>,
  options: CompressOptions,
): AsyncIterable<Uint8Array> {
  switch (options.compression) {
    case "gzip":
      return gzipMember(chunks, options.level === undefined ? {} : { level: options.level });
    case "none":
      return chunks;
    default:
      throw new InitrdError(
        "INITRD_BAD_OPTION",
        `compression ${JSON.stringify(options.compression)} is not supported; expected one of ${INITRD_COMPRESSIONS.join(", ")}`,
      );
  }
}

/** Whether `value` names a supported compression (for the CLI's `--compression`). */
export function isInitrdCompression(value: string): value is InitrdCompression {
  return (INITRD_COMPRESSIONS as readonly string[]).includes(value);
}
