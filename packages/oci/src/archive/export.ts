/**
 * Exporting one image as a tar stream, for `ocikit cache export` (LinuxKit's `cache export`,
 * linuxkit-reference.md §5.3):
 *
 * - `oci`: an OCI image layout (image-spec image-layout.md): `oci-layout`, `index.json` with one
 *   entry for the image's manifest — named, when a name is given, by `org.opencontainers.image.ref.name`
 *   and `io.containerd.image.name` (the full reference, as LinuxKit and containerd write it, which
 *   `docker load`, `ctr import`, `linuxkit cache import` and skopeo read) — and `blobs/sha256/…`:
 *   manifest, config and layers byte for byte, so digests are kept.
 * - `docker`: a `docker save` archive as go-containerregistry's `tarball.Write` (LinuxKit's) makes
 *   it: `manifest.json` `[{Config, RepoTags, Layers}]`, the config as `<hex>.json`, each layer blob as
 *   stored, `<hex>.tar.gz` (or `.tar.zst`, `.tar`), not decompressed: a tar header needs the size
 *   first, and `docker load` and skopeo sniff and decompress layers themselves.
 * - `filesystem`: the flattened root filesystem (whiteouts applied) as a POSIX tar.
 *
 * Output is reproducible: entries sorted by path, owner 0:0, mtime 0, fixed modes, compact JSON.
 * Multi-platform export (a whole index) is left out: the image is one platform's.
 */
import { assert } from "@ocikit/errors";
import { entryFromBytes, type FsEntry } from "@ocikit/fs";
import { type Digest, splitDigest } from "../digest.js";
import { OciError } from "../errors.js";
import { flattenImage } from "../flatten.js";
import { type Image, isRawImage, type Layer, type RawImage } from "../image.js";
import { CONTAINERD_NAME_ANNOTATION } from "../image-source.js";
import { REF_NAME_ANNOTATION } from "../layout-store.js";
import { layerCompression, MediaType } from "../media-types.js";
import { parseRegistryRef } from "../reference.js";
import { writeTar } from "../tar-writer.js";
import type { Descriptor } from "../types.js";

/** The formats of `exportImage`. */
export const EXPORT_FORMATS = ["oci", "docker", "filesystem"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Options of `exportImage`. */
export interface ExportOptions {
  /** The name written into the archive (index.json annotations, RepoTags); default: none. */
  readonly name?: string;
  /** Stops the export between two entries. */
  readonly signal?: AbortSignal;
}

const FILE = { type: "file", mode: 0o644, uid: 0, gid: 0, mtime: 0 } as const;
const DIR = {
  type: "dir",
  mode: 0o755,
  uid: 0,
  gid: 0,
  mtime: 0,
  size: 0,
  body: async function* () {},
} as const;
const LAYER_SUFFIX = { gzip: ".tar.gz", zstd: ".tar.zst", none: ".tar" } as const;

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

/** A file entry whose body is a blob, streamed (and verified) only when the writer gets to it. */
function blobEntry(path: string, size: number, open: () => AsyncIterable<Uint8Array>): FsEntry {
  return { ...FILE, path, size, body: open };
}

function byPath(a: FsEntry, b: FsEntry): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** Each distinct layer once (an image may list the same layer twice). */
function uniqueLayers(layers: readonly Layer[]): Layer[] {
  const seen = new Set<Digest>();
  return layers.filter((l) => !seen.has(l.descriptor.digest) && seen.add(l.descriptor.digest));
}

function blobPath(digest: Digest): string {
  const { algorithm, encoded } = splitDigest(digest);
  return `blobs/${algorithm}/${encoded}`;
}

/** The annotations naming the image in index.json. */
function nameAnnotations(name: string | undefined): Record<string, string> | undefined {
  if (name === undefined) return undefined;
  try {
    const full = parseRegistryRef(name).name;
    return { [CONTAINERD_NAME_ANNOTATION]: full, [REF_NAME_ANNOTATION]: full };
  } catch {
    // Not a registry reference: an OCI layout may still name it; containerd would refuse it.
    return { [REF_NAME_ANNOTATION]: name };
  }
}

async function ociLayoutEntries(image: RawImage, name: string | undefined): Promise<FsEntry[]> {
  const manifestBytes = await image.rawManifest();
  const manifest = await image.manifest();
  const configBytes = await image.rawConfig();
  const blobs: FsEntry[] = [
    entryFromBytes({ ...FILE, path: blobPath(image.digest) }, manifestBytes),
    entryFromBytes({ ...FILE, path: blobPath(manifest.config.digest) }, configBytes),
    ...uniqueLayers(await image.layers()).map((l) =>
      blobEntry(blobPath(l.descriptor.digest), l.descriptor.size, () => l.blob()),
    ),
  ];
  const unique = [...new Map(blobs.map((b) => [b.path, b])).values()];
  const dirs = [...new Set(unique.map((b) => b.path.slice(0, b.path.lastIndexOf("/"))))];
  const annotations = nameAnnotations(name);
  const descriptor: Descriptor = {
    mediaType: manifest.mediaType ?? MediaType.ociManifest,
    digest: image.digest,
    size: manifestBytes.length,
    ...(annotations ? { annotations } : {}),
    ...(image.platform ? { platform: image.platform } : {}),
  };
  const index = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [descriptor] };
  return [
    { ...DIR, path: "blobs" },
    ...dirs.map((path) => ({ ...DIR, path })),
    ...unique,
    entryFromBytes({ ...FILE, path: "index.json" }, json(index)),
    entryFromBytes({ ...FILE, path: "oci-layout" }, json({ imageLayoutVersion: "1.0.0" })),
  ].sort(byPath);
}

/**
 * The RepoTag for `name`: the full `registry/repository:tag`.
 * @throws {OciError} OCI_BAD_REFERENCE when `name` is not a reference with a tag
 */
function repoTag(name: string): string {
  const ref = parseRegistryRef(name);
  if (ref.tag === undefined) {
    throw new OciError(
      "OCI_BAD_REFERENCE",
      `cannot name a docker archive "${name}": RepoTags need a tag, not a digest`,
    );
  }
  return `${ref.registry}/${ref.repository}:${ref.tag}`;
}

async function dockerSaveEntries(image: RawImage, name: string | undefined): Promise<FsEntry[]> {
  const repoTags = name === undefined ? [] : [repoTag(name)];
  const manifest = await image.manifest();
  const configPath = `${splitDigest(manifest.config.digest).encoded}.json`;
  const layers = await image.layers();
  const layerPath = (l: Layer) =>
    `${splitDigest(l.descriptor.digest).encoded}${LAYER_SUFFIX[layerCompression(l.descriptor.mediaType) ?? "none"]}`;
  const saveManifest = [{ Config: configPath, RepoTags: repoTags, Layers: layers.map(layerPath) }];
  return [
    entryFromBytes({ ...FILE, path: configPath }, await image.rawConfig()),
    ...uniqueLayers(layers).map((l) => blobEntry(layerPath(l), l.descriptor.size, () => l.blob())),
    entryFromBytes({ ...FILE, path: "manifest.json" }, json(saveManifest)),
  ].sort(byPath);
}

async function* withSignal(entries: readonly FsEntry[], signal?: AbortSignal): AsyncIterable<FsEntry> {
  for (const entry of entries) {
    signal?.throwIfAborted();
    yield entry;
  }
}

/**
 * Streams an image as a tar archive in `format` (see the module comment). For "oci" and "docker" the
 * image must hand out its manifest and config as stored (`RawImage`: every image `openImage`
 * returns does); "filesystem" takes any image.
 * @example
 * ```ts
 * const image = await openImage("docker.io/library/alpine:3.20", { puller, platform });
 * await pipeline(Readable.from(exportImage(image, "docker", { name: image.ref })), createWriteStream("alpine.tar"));
 * ```
 * @throws {OciError} OCI_BAD_REFERENCE (a docker archive name without a tag); what reading the
 *   image throws (OCI_DIGEST_MISMATCH, OCI_NOT_CACHED, OCI_BAD_LAYER, …); OCI_BAD_ENTRY from the tar
 *   writer for a path tar cannot hold
 */
export async function* exportImage(
  image: Image,
  format: ExportFormat,
  options: ExportOptions = {},
): AsyncIterable<Uint8Array> {
  const { name, signal } = options;
  assert(EXPORT_FORMATS.includes(format), `exportImage: unknown format ${JSON.stringify(format)}`);
  if (format === "filesystem") {
    yield* writeTar(flattenImage(image, signal ? { signal } : {}));
    return;
  }
  assert(
    isRawImage(image),
    `exportImage(${format}): ${image.ref} does not hand out its manifest and config as stored`,
  );
  const entries =
    format === "oci" ? await ociLayoutEntries(image, name) : await dockerSaveEntries(image, name);
  yield* writeTar(withSignal(entries, signal));
}
