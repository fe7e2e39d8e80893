/**
 * Layer decompression (OCI image spec, layer.md "Distributable Format"): gzip through node:zlib
 * (concatenated members included, as `gzip` and Go's gzip.Reader read them), zstd through fzstd's
 * streaming decoder (concatenated and skippable frames included), or none. The magic bytes decide
 * when they identify gzip or zstd, whatever the media type says (Docker and some registries label
 * uncompressed or zstd layers `tar.gzip`, and plain `tar` layers may be gzip); without a magic the
 * layer is read as a plain tar. Neither magic can begin a tar header a real tool writes. bzip2
 * and xz (old Docker images) are recognised and refused. fzstd does not check zstd's optional content
 * checksum: corruption is caught by the blob digest, verified upstream while the blob streams.
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { Decompress } from "fzstd";
import { OciError } from "./errors.js";

/** What a layer's first bytes say it is. */
export type LayerEncoding = "gzip" | "zstd" | "bzip2" | "xz" | "none";

const SNIFF_BYTES = 10;

function startsWith(head: Uint8Array, magic: readonly number[]): boolean {
  return magic.every((b, i) => head[i] === b);
}

/** Identifies a compressed stream by its first bytes (up to 10 are looked at). */
export function sniffLayerEncoding(head: Uint8Array): LayerEncoding {
  if (startsWith(head, [0x1f, 0x8b])) return "gzip";
  if (startsWith(head, [0x28, 0xb5, 0x2f, 0xfd])) return "zstd";
  // A zstd skippable frame (magic 0x184D2A50-5F, little-endian) may lead a zstd stream.
  if ((head[0] ?? 0) >> 4 === 0x5 && startsWith(head.subarray(1), [0x2a, 0x4d, 0x18])) return "zstd";
  if (startsWith(head, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return "xz";
  // "BZh", a block size digit, then the block or end-of-stream magic (π or √π in BCD).
  const isBzip2Block = (magic: readonly number[]) => startsWith(head.subarray(4), magic);
  if (
    startsWith(head, [0x42, 0x5a, 0x68]) &&
    (head[3] ?? 0) >= 0x31 &&
    (head[3] ?? 0) <= 0x39 &&
    (isBzip2Block([0x31, 0x41, 0x59, 0x26, 0x53, 0x59]) || isBzip2Block([0x17, 0x72, 0x45, 0x38, 0x50, 0x90]))
  ) {
    return "bzip2";
  }
  return "none";
}

/** Reads the first bytes for sniffing and gives back a stream that replays them, then the rest. */
async function peek(
  chunks: AsyncIterable<Uint8Array>,
): Promise<{ head: Uint8Array; all: AsyncIterable<Uint8Array> }> {
  const source = chunks[Symbol.asyncIterator]();
  const seen: Uint8Array[] = [];
  let length = 0;
  let ended = false;
  while (length < SNIFF_BYTES) {
    const next = await source.next();
    if (next.done) {
      ended = true;
      break;
    }
    seen.push(next.value);
    length += next.value.length;
  }
  const head = Buffer.concat(seen).subarray(0, SNIFF_BYTES);
  async function* all(): AsyncIterable<Uint8Array> {
    try {
      yield* seen.splice(0);
      if (ended) return;
      for (let next = await source.next(); !next.done; next = await source.next()) yield next.value;
      ended = true;
    } finally {
      if (!ended) await source.return?.();
    }
  }
  return { head, all: all() };
}

function isZlibError(error: unknown): error is Error & { code: string } {
  const code: unknown = error instanceof Error ? Reflect.get(error, "code") : undefined;
  return typeof code === "string" && code.startsWith("Z_");
}

async function* gunzip(chunks: AsyncIterable<Uint8Array>, what: string): AsyncIterable<Uint8Array> {
  // 128 KiB output chunks instead of zlib's 16 KiB: an eighth of the thread-pool round trips, whose
  // callbacks on the main thread cost more than the inflating itself on a 150 MB layer.
  const inflater = createGunzip({ chunkSize: 128 * 1024 });
  // highWaterMark 1: hold one source chunk, not sixteen, while the inflater is busy.
  const piping = pipeline(Readable.from(chunks, { highWaterMark: 1 }), inflater);
  // Errors surface through the loop below; this keeps the pipeline's own promise from going unhandled.
  piping.catch(() => {});
  try {
    for await (const chunk of inflater) yield chunk as Uint8Array;
  } catch (error) {
    if (isZlibError(error)) {
      throw new OciError("OCI_BAD_LAYER", `${what}: gzip data is corrupt (${error.message})`, {
        cause: error,
      });
    }
    throw error;
  } finally {
    inflater.destroy();
  }
}

async function* unzstd(chunks: AsyncIterable<Uint8Array>, what: string): AsyncIterable<Uint8Array> {
  const ready: Uint8Array[] = [];
  const decoder = new Decompress((data) => {
    if (data.length > 0) ready.push(data);
  });
  const push = (chunk: Uint8Array, final: boolean) => {
    try {
      decoder.push(chunk, final);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new OciError("OCI_BAD_LAYER", `${what}: zstd data is corrupt (${why})`, { cause: error });
    }
  };
  for await (const chunk of chunks) {
    push(chunk, false);
    yield* ready.splice(0);
  }
  push(new Uint8Array(0), true);
  yield* ready.splice(0);
}

/**
 * Decompresses a layer blob into its tar stream. The magic bytes decide (see the module comment):
 * `mediaType` (`layerCompression`) is only a label here, used in messages. `what` names the layer in errors, e.g. `layer sha256:… of docker.io/library/alpine`.
 * Errors of the source stream (a digest mismatch) pass through unchanged, and win over a
 * decompression error: on corrupt data the rest of the blob is read so that its source can say
 * whether the blob itself is damaged.
 * @example
 * ```ts
 * const tar = decompressLayer(descriptor.mediaType, verifyBlob(blob, descriptor, what), what);
 * for await (const entry of readTar(tar, { source: what })) listing.push(entry.path);
 * ```
 * @throws {OciError} OCI_BAD_LAYER on corrupt or truncated gzip/zstd data;
 *   OCI_UNSUPPORTED_MEDIA_TYPE for bzip2 and xz layers
 */
export async function* decompressLayer(
  mediaType: string,
  chunks: AsyncIterable<Uint8Array>,
  what: string,
): AsyncIterable<Uint8Array> {
  const { head, all } = await peek(chunks);
  const sniffed = sniffLayerEncoding(head);
  if (sniffed === "bzip2" || sniffed === "xz") {
    throw new OciError(
      "OCI_UNSUPPORTED_MEDIA_TYPE",
      `${what}: ${sniffed}-compressed layer (media type ${mediaType}); only gzip, zstd and uncompressed layers are supported`,
    );
  }
  // A gzip or zstd label without the magic is a mislabelled plain tar (the tar reader says so if it
  // is not a tar at all); an empty blob is an empty layer whatever its label.
  if (sniffed === "none") {
    yield* all;
    return;
  }
  // The decompressor may fail before the blob's end, where its source checks the digest.
  yield* readingToTheEndOnBadLayer(all, (chunks) =>
    sniffed === "gzip" ? gunzip(chunks, what) : unzstd(chunks, what),
  );
}

/**
 * Runs `consume` over `chunks`; when it fails with OCI_BAD_LAYER (corrupt compressed data, a
 * malformed tar), the rest of `chunks` is read before the error is passed on. Corrupt data is most
 * likely a corrupt blob, and the blob's source verifies its digest only at its end: its verdict (a
 * digest mismatch, a damaged cache entry removed) is then the error reported; the consumer's stands
 * only for a blob that is what its digest says. A consumer that stops early still closes `chunks`.
 */
export async function* readingToTheEndOnBadLayer<T>(
  chunks: AsyncIterable<Uint8Array>,
  consume: (chunks: AsyncIterable<Uint8Array>) => AsyncIterable<T>,
): AsyncIterable<T> {
  const source = chunks[Symbol.asyncIterator]();
  // The source's own failure (its digest check at the end), whoever asked for the chunk it failed on:
  // a consumer that reads ahead (a stream pipeline) may have a read in flight when it fails itself.
  let sourceFailure: { readonly error: unknown } | undefined;
  const next = async () => {
    try {
      return await source.next();
    } catch (error) {
      sourceFailure ??= { error };
      throw error;
    }
  };
  const unclosable: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => ({
      next,
      return: async () => ({ done: true, value: undefined }),
    }),
  };
  try {
    yield* consume(unclosable);
  } catch (error) {
    if (error instanceof OciError && error.code === "OCI_BAD_LAYER") {
      if (sourceFailure === undefined) for (let chunk = await next(); !chunk.done; chunk = await next());
      if (sourceFailure !== undefined) throw sourceFailure.error;
    }
    throw error;
  } finally {
    await source.return?.();
  }
}
