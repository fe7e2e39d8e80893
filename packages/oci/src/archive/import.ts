/**
 * Importing an archive into the cache from a tar stream (`ocikit cache import FILE|-`; LinuxKit's
 * `cache import`, linuxkit-reference.md §5.3). The stream is read once, front to back — standard
 * input works, nothing seeks — and may hold an OCI image layout (`oci-archive`, LinuxKit's and
 * containerd's exports, Docker 25+'s `docker save`) or a legacy `docker save` archive:
 *
 * - `blobs/<alg>/<hex>` members are written to the store as they stream, verified against their
 *   names (members the store already has are skipped).
 * - Any other file (a legacy `<id>/layer.tar`, `<hex>.json`) is hashed into the store's `ingest/`
 *   while it streams, since its name says nothing of its content; it is committed under its digest
 *   only if `manifest.json` turns out to use it, and dropped otherwise.
 * - At the end, an `index.json` (preferred: it keeps the images' real digests) or else
 *   `manifest.json` says what the images are. A docker image gets the manifest docker-archive.ts
 *   synthesizes, so importing an archive and opening it in place agree on its digest.
 *
 * Names come from `io.containerd.image.name`, else `org.opencontainers.image.ref.name`, or from the
 * RepoTags, normalised like registry references when they are ones (`alpine` →
 * `docker.io/library/alpine:latest`) and kept verbatim otherwise; an image without any name is
 * named by its digest. A name is written only after every blob its image needs is in the store.
 */
import { createReadStream } from "node:fs";
import { type ExpectedBlob, isDigest } from "../digest.js";
import { OciError } from "../errors.js";
import { readBlobBytes } from "../image.js";
import { CONTAINERD_NAME_ANNOTATION } from "../image-source.js";
import { sniffLayerEncoding } from "../layer-decompress.js";
import { type IngestedBlob, type OciLayoutStore, REF_NAME_ANNOTATION } from "../layout-store.js";
import { parseImageConfig, parseManifest } from "../manifest.js";
import { MediaType } from "../media-types.js";
import { configPlatform } from "../platform.js";
import { readTar } from "../tar-reader.js";
import type { Descriptor } from "../types.js";
import {
  checkDiffIds,
  type DockerLayerBlob,
  MAX_CONFIG_BYTES,
  MAX_DOCKER_MANIFEST_BYTES,
  normalizeImageName,
  parseDockerManifestJson,
  synthesizeManifest,
} from "./docker-archive.js";
import { symlinkTarget } from "./tar-index.js";

/** Options of `importArchive`. */
export interface ImportOptions {
  /** Names the input in messages: the file, or "standard input". */
  readonly source: string;
  /** Stops the import between two archive members. */
  readonly signal?: AbortSignal;
}

/** What `importArchive` did. */
export interface ImportResult {
  /** The names written to the store's `index.json`, in archive order. */
  readonly names: readonly string[];
}

const HEAD_BYTES = 16;
const BLOB_PATH = /^blobs\/(sha256|sha512)\/([a-f0-9]+)$/;
// A link chain inside an archive is followed this far.
const MAX_LINK_HOPS = 16;

/** A file of the archive, now in the store (`stored`) or staged in `ingest/` (`ingested`). */
interface StagedFile {
  readonly blob: ExpectedBlob;
  readonly ingested?: IngestedBlob;
  /** The first bytes, when they went by (to sniff a layer's compression). */
  head?: Uint8Array;
}

/** What the stream held, once read. */
interface ArchiveContents {
  readonly files: Map<string, StagedFile>;
  readonly links: Map<string, { readonly type: "symlink" | "hardlink"; readonly target: string }>;
  indexJson?: Uint8Array;
  manifestJson?: Uint8Array;
}

async function readSmall(body: AsyncIterable<Uint8Array>, limit: number, what: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) throw new OciError("OCI_BAD_ARCHIVE", `${what}: larger than ${limit} bytes`);
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

/** Passes a body through, keeping its first bytes in `file.head`. */
async function* keepHead(
  body: AsyncIterable<Uint8Array>,
  file: { head?: Uint8Array },
): AsyncIterable<Uint8Array> {
  let head = Buffer.alloc(0);
  for await (const chunk of body) {
    if (head.length < HEAD_BYTES) head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
    yield chunk;
  }
  file.head = head;
}

/** Reads the stream, storing blobs and staging other files (see the module comment). */
async function readArchive(
  input: AsyncIterable<Uint8Array>,
  store: OciLayoutStore,
  contents: ArchiveContents,
  options: ImportOptions,
): Promise<void> {
  const { source, signal } = options;
  for await (const entry of readTar(input, { source })) {
    signal?.throwIfAborted();
    const { path } = entry;
    if (entry.type === "symlink" || entry.type === "hardlink") {
      contents.links.set(path, { type: entry.type, target: entry.linkTarget ?? "" });
      continue;
    }
    if (entry.type !== "file") continue;
    const what = `${source}: "${path}"`;
    if (path === "index.json")
      contents.indexJson = await readSmall(entry.body(), MAX_DOCKER_MANIFEST_BYTES, what);
    else if (path === "manifest.json")
      contents.manifestJson = await readSmall(entry.body(), MAX_DOCKER_MANIFEST_BYTES, what);
    else if (path === "oci-layout" || path === "repositories") continue;
    else {
      const match = BLOB_PATH.exec(path);
      const digest = match ? `${match[1]}:${match[2]}` : "";
      if (isDigest(digest)) {
        const file: StagedFile = { blob: { digest, size: entry.size } };
        if (!(await store.hasBlob(file.blob)))
          await store.writeBlob(file.blob, keepHead(entry.body(), file), what);
        contents.files.set(path, file);
      } else {
        const head: { head?: Uint8Array } = {};
        const ingested = await store.ingestBlob(keepHead(entry.body(), head));
        contents.files.set(path, {
          blob: { digest: ingested.digest, size: ingested.size },
          ingested,
          ...head,
        });
      }
    }
  }
}

/** The staged file at `path`, following links inside the archive. */
function resolveFile(contents: ArchiveContents, path: string, source: string, role: string): StagedFile {
  let current = path;
  for (let hop = 0; hop < MAX_LINK_HOPS; hop++) {
    const file = contents.files.get(current);
    if (file) return file;
    const link = contents.links.get(current);
    if (!link) break;
    current = link.type === "hardlink" ? link.target : symlinkTarget(current, link.target);
  }
  throw new OciError(
    "OCI_BAD_ARCHIVE",
    `${source}: manifest.json names ${role} "${path}", which is not in the archive`,
  );
}

async function readHead(store: OciLayoutStore, file: StagedFile): Promise<Uint8Array> {
  if (file.head) return file.head;
  // Already in the store before this import: its first bytes are read from there.
  const parts: Uint8Array[] = [];
  for await (const chunk of createReadStream(store.blobPath(file.blob.digest), {
    start: 0,
    end: HEAD_BYTES - 1,
  }))
    parts.push(chunk as Uint8Array);
  return Buffer.concat(parts);
}

async function readStaged(
  store: OciLayoutStore,
  file: StagedFile,
  limit: number,
  what: string,
): Promise<Uint8Array> {
  if (file.blob.size > limit) throw new OciError("OCI_BAD_ARCHIVE", `${what}: larger than ${limit} bytes`);
  return file.ingested ? readSmall(file.ingested.read(), limit, what) : store.readBlobBytes(file.blob);
}

function isEmptyIndex(bytes: Uint8Array): boolean {
  try {
    const value = JSON.parse(Buffer.from(bytes).toString("utf8")) as { manifests?: unknown };
    return Array.isArray(value.manifests) && value.manifests.length === 0;
  } catch {
    // Not JSON: importOciLayout would refuse it; a manifest.json beside it is used instead.
    return true;
  }
}

/** The name an entry of an OCI index.json gives its image, normalised. */
function ociName(descriptor: Descriptor): string {
  const name =
    descriptor.annotations?.[CONTAINERD_NAME_ANNOTATION] ?? descriptor.annotations?.[REF_NAME_ANNOTATION];
  return name === undefined ? descriptor.digest : normalizeImageName(name);
}

/** Checks that the store holds what `descriptor` needs: the document, and for a manifest its blobs. */
async function checkComplete(store: OciLayoutStore, descriptor: Descriptor, what: string): Promise<void> {
  const missing = (d: Descriptor) =>
    new OciError(
      "OCI_BAD_ARCHIVE",
      `${what}: ${d.mediaType} ${d.digest} is neither in the archive nor in the cache`,
    );
  if (!(await store.hasBlob(descriptor))) throw missing(descriptor);
  const doc = parseManifest(await readBlobBytes(store, descriptor), descriptor.mediaType, what);
  if (doc.kind === "manifest") {
    for (const blob of [doc.manifest.config, ...doc.manifest.layers])
      if (!(await store.hasBlob(blob))) throw missing(blob);
    return;
  }
  // An index may be partial (LinuxKit and ocikit caches keep only the platforms pulled).
  const present = [];
  for (const child of doc.index.manifests) if (await store.hasBlob(child)) present.push(child);
  if (present.length === 0)
    throw new OciError("OCI_BAD_ARCHIVE", `${what}: none of the index's manifests is in the archive`);
  for (const child of present) await checkComplete(store, child, what);
}

async function importOciLayout(
  store: OciLayoutStore,
  indexJson: Uint8Array,
  source: string,
): Promise<string[]> {
  const doc = parseManifest(indexJson, MediaType.ociIndex, `${source}: index.json`);
  if (doc.kind !== "index")
    throw new OciError("OCI_BAD_ARCHIVE", `${source}: index.json is not an image index`);
  const named: [string, Descriptor][] = [];
  for (const descriptor of doc.index.manifests) {
    const name = ociName(descriptor);
    await checkComplete(store, descriptor, `${source}: ${name}`);
    const {
      [REF_NAME_ANNOTATION]: _ref,
      [CONTAINERD_NAME_ANNOTATION]: _containerd,
      ...rest
    } = descriptor.annotations ?? {};
    const { annotations: _all, ...plain } = descriptor;
    named.push([name, { ...plain, ...(Object.keys(rest).length > 0 ? { annotations: rest } : {}) }]);
  }
  for (const [name, descriptor] of named) await store.setName(name, descriptor);
  return named.map(([name]) => name);
}

async function importDockerSave(
  store: OciLayoutStore,
  contents: ArchiveContents,
  source: string,
): Promise<string[]> {
  const entries = parseDockerManifestJson(contents.manifestJson ?? new Uint8Array(), source);
  const named: [string, Descriptor][] = [];
  for (const [i, entry] of entries.entries()) {
    const what = `${source}: manifest.json entry ${i}`;
    const configFile = resolveFile(contents, entry.Config, source, "the config");
    const config = parseImageConfig(
      await readStaged(store, configFile, MAX_CONFIG_BYTES, `${source}: "${entry.Config}"`),
      `${source}: config "${entry.Config}"`,
    );
    const layerFiles = entry.Layers.map((path) => resolveFile(contents, path, source, "the layer"));
    const layers: DockerLayerBlob[] = [];
    for (const file of layerFiles)
      layers.push({
        digest: file.blob.digest,
        size: file.blob.size,
        encoding: sniffLayerEncoding(await readHead(store, file)),
      });
    checkDiffIds(config, layers, what);
    const { bytes } = synthesizeManifest(configFile.blob, layers, what);
    for (const file of [configFile, ...layerFiles]) await file.ingested?.commit();
    const descriptor: Descriptor = {
      ...(await store.writeBytes(bytes, MediaType.ociManifest)),
      platform: configPlatform(config),
    };
    const tags = entry.RepoTags?.length ? entry.RepoTags.map(normalizeImageName) : [descriptor.digest];
    for (const tag of tags) named.push([tag, descriptor]);
  }
  for (const [name, descriptor] of named) await store.setName(name, descriptor);
  return named.map(([name]) => name);
}

/**
 * Imports the images of a tar stream holding an OCI image layout or a `docker save` archive into
 * `store` (see the module comment).
 * @example
 * ```ts
 * const { names } = await importArchive(createReadStream("alpine.tar"), store, { source: "alpine.tar" });
 * ```
 * @throws {OciError} OCI_BAD_ARCHIVE (neither layout, a missing or inconsistent member, a corrupt
 *   tar), OCI_DIGEST_MISMATCH/OCI_SIZE_MISMATCH (a blob whose bytes are not its name's),
 *   OCI_BAD_LAYER (from the tar reader), OCI_BAD_MANIFEST, OCI_UNSUPPORTED_MEDIA_TYPE
 */
export async function importArchive(
  input: AsyncIterable<Uint8Array>,
  store: OciLayoutStore,
  options: ImportOptions,
): Promise<ImportResult> {
  const contents: ArchiveContents = { files: new Map(), links: new Map() };
  try {
    await readArchive(input, store, contents, options);
    const { source } = options;
    // Docker 25+ writes both; index.json keeps the images' real digests, unless it lists nothing.
    const hasIndex =
      contents.indexJson !== undefined && !(contents.manifestJson && isEmptyIndex(contents.indexJson));
    if (contents.indexJson && hasIndex)
      return { names: await importOciLayout(store, contents.indexJson, source) };
    if (contents.manifestJson) return { names: await importDockerSave(store, contents, source) };
    throw new OciError(
      "OCI_BAD_ARCHIVE",
      `${source}: neither an OCI image layout (index.json) nor a docker save archive (manifest.json)`,
    );
  } finally {
    // Staged files no image used (legacy `<id>/json`, `VERSION`, …) leave no trace; committed ones stay.
    for (const file of contents.files.values()) await file.ingested?.discard();
  }
}
