/**
 * An OCI image layout on disk (image-spec image-layout.md): `oci-layout`, `index.json` whose entries
 * carry `org.opencontainers.image.ref.name`, and `blobs/<alg>/<hex>`. It is ocikit's cache and also
 * the `oci:PATH` source, so other OCI tools (skopeo, crane, buildah) read what we write and we read
 * theirs.
 *
 * Safety: a blob is written to `ingest/` first, verified against its digest and size as it streams,
 * fsynced, then renamed into `blobs/` — a blob whose bytes do not match never appears under its
 * name, and an interrupted write leaves only a temporary file. `index.json` is replaced atomically
 * under a lock file, so several processes can share one cache.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { type FileHandle, open, readFile, rename, rm, stat, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ensureDir } from "@ocikit/fs";
import { type Digest, type ExpectedBlob, sha256Digest, splitDigest, verifyBlob } from "./digest.js";
import { OciError } from "./errors.js";
import { withFileLock } from "./file-lock.js";
import type { BlobSource } from "./image.js";
import { MediaType } from "./media-types.js";
import type { Descriptor, ImageIndex } from "./types.js";

/** The annotation that names an entry of `index.json`. */
export const REF_NAME_ANNOTATION = "org.opencontainers.image.ref.name";

/** An `index.json` entry with its name. */
export interface NamedDescriptor {
  readonly name: string;
  readonly descriptor: Descriptor;
}

export interface OpenLayoutOptions {
  /** Create the layout if the directory has none (default false: a missing layout is an error). */
  readonly create?: boolean;
}

/** A blob written to `ingest/` by `OciLayoutStore.ingestBlob`, not yet under its name. */
export interface IngestedBlob {
  /** The sha256 of the bytes written. */
  readonly digest: Digest;
  readonly size: number;
  /** Streams the bytes written (from `ingest/`, or from `blobs/` once committed). */
  read(): AsyncIterable<Uint8Array>;
  /** Renames the bytes into `blobs/` under `digest` (a second call does nothing). */
  commit(): Promise<void>;
  /** Removes the bytes (after `commit()`, does nothing). */
  discard(): Promise<void>;
}

/** Progress while a blob is written: bytes so far and the total. */
export type BlobWriteProgress = (bytesDone: number, bytesTotal: number) => void;

/** An OCI image layout directory. Construct with `OciLayoutStore.open`. */
export class OciLayoutStore implements BlobSource {
  readonly dir: string;

  private constructor(dir: string) {
    this.dir = dir;
  }

  /**
   * Opens (and with `create`, initialises) the layout at `dir`.
   * @throws {OciError} OCI_CACHE_CORRUPT when `dir` holds something that is not an OCI layout
   */
  static async open(dir: string, options: OpenLayoutOptions = {}): Promise<OciLayoutStore> {
    const store = new OciLayoutStore(dir);
    const layoutFile = join(dir, "oci-layout");
    let text: string | undefined;
    try {
      text = await readFile(layoutFile, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    if (text === undefined) {
      if (!options.create)
        throw new OciError("OCI_NOT_CACHED", `${dir}: not an OCI image layout (no oci-layout file)`);
      await ensureDir(join(dir, "blobs", "sha256"));
      await writeFileAtomic(layoutFile, `${JSON.stringify({ imageLayoutVersion: "1.0.0" })}\n`);
      await store.updateIndex((index) => index);
      return store;
    }
    let version: unknown;
    try {
      version = (JSON.parse(text) as { imageLayoutVersion?: unknown }).imageLayoutVersion;
    } catch {
      version = undefined;
    }
    if (typeof version !== "string" || !version.startsWith("1.")) {
      throw new OciError("OCI_CACHE_CORRUPT", `${layoutFile}: not an OCI layout version 1 file`);
    }
    return store;
  }

  /** Where a blob lives. */
  blobPath(digest: Digest): string {
    const { algorithm, encoded } = splitDigest(digest);
    return join(this.dir, "blobs", algorithm, encoded);
  }

  /** Whether the blob is present with the expected size (its content is verified when read). */
  async hasBlob(blob: ExpectedBlob): Promise<boolean> {
    try {
      return (await stat(this.blobPath(blob.digest))).size === blob.size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw error;
    }
  }

  /**
   * Streams a blob, verified against its descriptor.
   * @throws {OciError} OCI_NOT_CACHED when it is missing; OCI_DIGEST_MISMATCH/OCI_SIZE_MISMATCH
   *   (also as `OCI_CACHE_CORRUPT`) when the file on disk is damaged
   */
  async *readBlob(blob: ExpectedBlob & { readonly mediaType?: string }): AsyncIterable<Uint8Array> {
    const path = this.blobPath(blob.digest);
    try {
      yield* verifyBlob(
        createReadStream(path, { highWaterMark: 1 << 20 }),
        blob,
        `blob ${blob.digest} in ${this.dir}`,
      );
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // The stream fails to open before it yields anything, so nothing of a missing blob was passed on.
      if (code === "ENOENT") {
        throw new OciError("OCI_NOT_CACHED", `blob ${blob.digest} is not in ${this.dir}`, { cause: error });
      }
      if (code === "OCI_DIGEST_MISMATCH" || code === "OCI_SIZE_MISMATCH") {
        // Remove it, so that the next pull fetches it anew instead of failing the same way forever.
        await rm(path, { force: true });
        throw new OciError(
          "OCI_CACHE_CORRUPT",
          `${(error as Error).message}; the damaged file was removed, run the command again to fetch it anew`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** Reads a whole (small) blob into memory, verified. */
  async readBlobBytes(blob: ExpectedBlob): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    for await (const chunk of this.readBlob(blob)) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  /**
   * Writes a blob atomically: into `ingest/`, verified while streaming, fsynced, renamed. If the
   * stream's bytes do not match `blob`, nothing appears under its name and the error says so.
   * @throws {OciError} OCI_DIGEST_MISMATCH, OCI_SIZE_MISMATCH (and whatever the stream throws)
   */
  async writeBlob(
    blob: ExpectedBlob,
    chunks: AsyncIterable<Uint8Array>,
    what: string,
    onProgress?: BlobWriteProgress,
  ): Promise<void> {
    let done = 0;
    const temp = await this.#writeTemp(
      splitDigest(blob.digest).encoded.slice(0, 16),
      verifyBlob(chunks, blob, what),
      (n) => {
        done += n;
        onProgress?.(done, blob.size);
      },
    );
    await this.#moveIntoBlobs(temp, blob.digest);
  }

  /**
   * Streams `chunks` into a new file in `ingest/` (batched writes, fsynced) and returns its path;
   * on any failure the file is removed and the error rethrown.
   */
  async #writeTemp(
    prefix: string,
    chunks: AsyncIterable<Uint8Array>,
    onChunk: (bytes: number) => void,
  ): Promise<string> {
    const temp = await this.#ingestPath(prefix);
    await writeNewFile(temp, (handle) => writeBatched(handle, chunks, onChunk));
    return temp;
  }

  /** Renames a file of `ingest/` to the blob name of `digest`, and makes the rename durable. */
  async #moveIntoBlobs(temp: string, digest: Digest): Promise<void> {
    const final = this.blobPath(digest);
    const dir = dirname(final);
    await ensureDir(dir);
    await rename(temp, final);
    await syncDirectory(dir);
  }

  /**
   * Writes a blob whose digest is not known beforehand (a `docker save` layer is named by a legacy
   * id, not by its content): the bytes go to `ingest/` while their sha256 is computed, are fsynced,
   * and stay there until `commit()` renames them into `blobs/` under that digest, or `discard()`
   * removes them. Nothing appears under a blob name before `commit()`.
   * @throws {Error} whatever the stream or the disk throws (the temporary file is removed)
   */
  async ingestBlob(
    chunks: AsyncIterable<Uint8Array>,
    onProgress?: (bytesDone: number) => void,
  ): Promise<IngestedBlob> {
    const hash = createHash("sha256");
    let size = 0;
    async function* hashed(): AsyncIterable<Uint8Array> {
      for await (const chunk of chunks) {
        hash.update(chunk);
        yield chunk;
      }
    }
    const temp = await this.#writeTemp("unknown", hashed(), (n) => {
      size += n;
      onProgress?.(size);
    });
    const digest = `sha256:${hash.digest("hex")}` as Digest;
    let state: "staged" | "committed" | "discarded" = "staged";
    return {
      digest,
      size,
      read: () =>
        state === "staged"
          ? verifyBlob(
              createReadStream(temp, { highWaterMark: 1 << 20 }),
              { digest, size },
              `ingested blob ${digest}`,
            )
          : this.readBlob({ digest, size }),
      commit: async () => {
        if (state !== "staged") return;
        state = "committed";
        if (await this.hasBlob({ digest, size })) {
          await rm(temp, { force: true });
          return;
        }
        await this.#moveIntoBlobs(temp, digest);
      },
      discard: async () => {
        if (state !== "staged") return;
        state = "discarded";
        await rm(temp, { force: true });
      },
    };
  }

  async #ingestPath(label: string): Promise<string> {
    const ingest = join(this.dir, "ingest");
    await ensureDir(ingest);
    return join(ingest, `${label}-${process.pid}-${randomBytes(6).toString("hex")}`);
  }

  /** Stores in-memory bytes (a manifest or config) and returns their descriptor. */
  async writeBytes(bytes: Uint8Array, mediaType: string): Promise<Descriptor> {
    const descriptor: Descriptor = { mediaType, digest: sha256Digest(bytes), size: bytes.length };
    if (!(await this.hasBlob(descriptor))) {
      await this.writeBlob(descriptor, one(bytes), `${mediaType} ${descriptor.digest}`);
    }
    return descriptor;
  }

  /** Removes blobs (missing ones are ignored). */
  async deleteBlobs(digests: Iterable<Digest>): Promise<void> {
    for (const digest of digests) await rm(this.blobPath(digest), { force: true });
  }

  /** The layout's `index.json`. */
  async readIndex(): Promise<ImageIndex> {
    const path = join(this.dir, "index.json");
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return emptyIndex();
      throw error;
    }
    try {
      const index = JSON.parse(text) as ImageIndex;
      if (!Array.isArray(index.manifests)) throw new Error("no manifests list");
      return index;
    } catch (error) {
      throw new OciError(
        "OCI_CACHE_CORRUPT",
        `${path}: not a valid image index (${(error as Error).message})`,
        { cause: error },
      );
    }
  }

  /** Every named entry of `index.json`, in file order. */
  async names(): Promise<NamedDescriptor[]> {
    const index = await this.readIndex();
    return index.manifests.flatMap((descriptor) => {
      const name = descriptor.annotations?.[REF_NAME_ANNOTATION];
      return name === undefined ? [] : [{ name, descriptor }];
    });
  }

  /** The descriptor named `name`, if any. */
  async resolveName(name: string): Promise<Descriptor | undefined> {
    return (await this.names()).find((n) => n.name === name)?.descriptor;
  }

  /** Names a descriptor (replacing any entry with the same name). */
  async setName(name: string, descriptor: Descriptor): Promise<void> {
    const named: Descriptor = {
      ...descriptor,
      annotations: { ...descriptor.annotations, [REF_NAME_ANNOTATION]: name },
    };
    await this.updateIndex((index) => ({
      ...index,
      manifests: [...index.manifests.filter((d) => d.annotations?.[REF_NAME_ANNOTATION] !== name), named],
    }));
  }

  /** Removes names from `index.json`; returns the descriptors they had. */
  async removeNames(names: readonly string[]): Promise<NamedDescriptor[]> {
    const removed: NamedDescriptor[] = [];
    await this.updateIndex((index) => ({
      ...index,
      manifests: index.manifests.filter((d) => {
        const name = d.annotations?.[REF_NAME_ANNOTATION];
        if (name !== undefined && names.includes(name)) {
          removed.push({ name, descriptor: d });
          return false;
        }
        return true;
      }),
    }));
    return removed;
  }

  /** Runs `fn` holding the layout's lock (for read-modify-write sequences beyond one index update). */
  async locked<T>(fn: () => Promise<T>): Promise<T> {
    return withFileLock(join(this.dir, "index.json.lock"), fn);
  }

  /** Rewrites `index.json` with `fn`'s result, under the lock. */
  async updateIndex(fn: (index: ImageIndex) => ImageIndex): Promise<void> {
    await this.locked(() => this.updateIndexUnlocked(fn));
  }

  /** Rewrites `index.json`; only for callers already inside `locked`. */
  async updateIndexUnlocked(fn: (index: ImageIndex) => ImageIndex): Promise<void> {
    const next = fn(await this.readIndex());
    await writeFileAtomic(join(this.dir, "index.json"), `${JSON.stringify(next, null, 2)}\n`);
  }
}

/** Network chunks are small (16–64 KiB): gather about 1 MiB per write to save system calls. */
const WRITE_BATCH_BYTES = 1 << 20;

/** Writes `chunks` to `handle` in batches, reporting each chunk's length as it arrives. */
async function writeBatched(
  handle: FileHandle,
  chunks: AsyncIterable<Uint8Array>,
  onChunk?: (bytes: number) => void,
): Promise<void> {
  let batch: Uint8Array[] = [];
  let batchBytes = 0;
  for await (const chunk of chunks) {
    batch.push(chunk);
    batchBytes += chunk.length;
    onChunk?.(chunk.length);
    if (batchBytes >= WRITE_BATCH_BYTES) {
      await handle.writev(batch);
      batch = [];
      batchBytes = 0;
    }
  }
  if (batch.length > 0) await handle.writev(batch);
}

function emptyIndex(): ImageIndex {
  return { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
}

async function* one(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

/** Writes a small file by writing a temporary file, fsyncing it and renaming it over the target. */
async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}-${randomBytes(6).toString("hex")}.tmp`;
  await writeNewFile(temp, (handle) => handle.writeFile(text));
  await rename(temp, path);
}

/** Creates `path` (which must not exist), fills it with `write` and fsyncs it; on failure removes it. */
async function writeNewFile(path: string, write: (handle: FileHandle) => Promise<void>): Promise<void> {
  const handle = await open(path, "wx");
  try {
    await write(handle);
    await handle.sync();
  } catch (error) {
    // The write's error is the one to report; closing and removing the half-written file are best effort.
    await handle.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
    throw error;
  }
  await handle.close();
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic there.
  } finally {
    await handle.close();
  }
}
