/**
 * `docker-archive:FILE[:REF]`: what `docker save` (and `skopeo copy … docker-archive:`) writes. Its
 * `manifest.json` lists images as `{Config, RepoTags, Layers}` with paths inside the archive: the
 * legacy layout (`<id>/layer.tar`, often symlinks to `<diffid>.tar`; `<hex>.json` configs), layers
 * uncompressed or, in newer saves, gzip or zstd (sniffed, never trusted from the name), and Docker
 * 25+'s layout that also carries `oci-layout`/`index.json`/`blobs/sha256`. `manifest.json` is always
 * there, so it is what we read.
 *
 * REF selects an image as skopeo does: a RepoTag (`name:tag`, normalised like registry references)
 * or `@N` (position in `manifest.json`); without REF the archive must hold one image. Docker's
 * archive has no manifest in the registry sense, so one is made in memory: an OCI image manifest
 * whose config descriptor is the config file's, whose layer descriptors are each layer file as
 * stored (its sha256 computed by hashing the file once, or read from a `blobs/sha256/<hex>` name;
 * media type from its compression). The image's digest is that manifest's digest. Blobs are read in
 * place from the archive and verified, so a wrong `blobs/` name fails when the layer is read.
 */
import { createHash } from "node:crypto";
import { blobImage } from "../blob-image.js";
import { type Digest, sha256Digest, verifyBlob } from "../digest.js";
import { OciError } from "../errors.js";
import type { BlobSource, RawImage } from "../image.js";
import { type LayerEncoding, sniffLayerEncoding } from "../layer-decompress.js";
import { type ImageManifestDocument, parseImageConfig } from "../manifest.js";
import { MediaType } from "../media-types.js";
import { configPlatform, formatPlatform, platformMatches } from "../platform.js";
import { parseRegistryRef } from "../reference.js";
import type { Descriptor, ImageConfig, ImageManifest, Platform } from "../types.js";
import { TarIndex, type TarMember } from "./tar-index.js";

/** One image of `manifest.json`, as `docker save` writes it. */
export interface DockerSaveEntry {
  /** Path of the config file inside the archive. */
  readonly Config: string;
  /** `name:tag` references; may be absent or null for an untagged image. */
  readonly RepoTags?: readonly string[] | null;
  /** Paths of the layer files, base first. */
  readonly Layers: readonly string[];
}

/** A layer file of a docker archive: the digest and size of its bytes as stored, its compression. */
export interface DockerLayerBlob {
  readonly digest: Digest;
  readonly size: number;
  readonly encoding: LayerEncoding;
}

/** `manifest.json` is a few hundred bytes per image. */
export const MAX_DOCKER_MANIFEST_BYTES = 16 << 20;
/** Configs are JSON; Docker refuses ones this large too. */
export const MAX_CONFIG_BYTES = 64 << 20;

const LAYER_MEDIA_TYPES: Readonly<Record<"gzip" | "zstd" | "none", string>> = {
  gzip: MediaType.ociLayerGzip,
  zstd: MediaType.ociLayerZstd,
  none: MediaType.ociLayer,
};

/**
 * Parses `manifest.json`. `what` names the archive in messages.
 * @throws {OciError} OCI_BAD_ARCHIVE when it is not a list of `{Config, RepoTags, Layers}`
 */
export function parseDockerManifestJson(bytes: Uint8Array, what: string): DockerSaveEntry[] {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch (error) {
    throw new OciError("OCI_BAD_ARCHIVE", `${what}: manifest.json is not valid JSON`, { cause: error });
  }
  const isStrings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === "string");
  if (!Array.isArray(value)) throw new OciError("OCI_BAD_ARCHIVE", `${what}: manifest.json is not a list`);
  value.forEach((entry: unknown, i) => {
    const e = (entry ?? {}) as Record<string, unknown>;
    if (
      typeof e.Config !== "string" ||
      !isStrings(e.Layers) ||
      !(e.RepoTags == null || isStrings(e.RepoTags))
    ) {
      throw new OciError(
        "OCI_BAD_ARCHIVE",
        `${what}: manifest.json entry ${i} is not {Config: string, RepoTags: string[], Layers: string[]}`,
      );
    }
  });
  return value as DockerSaveEntry[];
}

/** A name as the cache keeps it: a registry reference normalised (`alpine` → `docker.io/library/alpine:latest`), anything else as it is. */
export function normalizeImageName(name: string): string {
  try {
    return parseRegistryRef(name).name;
  } catch {
    // Not a registry reference (`myimage:Tag!`): such a name is kept verbatim, as skopeo keeps it.
    return name;
  }
}

/**
 * The entry `selector` picks: `@N` by position, otherwise by RepoTag (both sides normalised); without
 * a selector, the only entry.
 * @throws {OciError} OCI_NOT_FOUND naming what the archive has
 */
export function selectDockerEntry(
  entries: readonly DockerSaveEntry[],
  selector: string | undefined,
  what: string,
): DockerSaveEntry {
  const tags = entries.flatMap((e, i) => (e.RepoTags?.length ? e.RepoTags : [`@${i}`]));
  if (selector === undefined) {
    if (entries.length === 1 && entries[0]) return entries[0];
    throw new OciError(
      "OCI_NOT_FOUND",
      `${what}: the archive has ${entries.length} images; choose one as ${what}:NAME:TAG or ${what}:@N (${tags.join(", ") || "none"})`,
    );
  }
  const position = /^@(\d+)$/.exec(selector);
  const found = position
    ? entries[Number(position[1])]
    : entries.find((e) => e.RepoTags?.some((t) => normalizeImageName(t) === normalizeImageName(selector)));
  if (found) return found;
  throw new OciError(
    "OCI_NOT_FOUND",
    `${what}: no image "${selector}" in the archive (it has ${tags.join(", ") || "no images"})`,
  );
}

/**
 * The image manifest for a docker archive's config and layer files (see the module comment): same
 * inputs, same bytes, so the same digest whether the archive is opened in place or imported.
 * @throws {OciError} OCI_UNSUPPORTED_MEDIA_TYPE for bzip2 and xz layers
 */
export function synthesizeManifest(
  config: { readonly digest: Digest; readonly size: number },
  layers: readonly DockerLayerBlob[],
  what: string,
): ImageManifestDocument {
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: config.digest, size: config.size },
    layers: layers.map((layer, i) => {
      if (layer.encoding === "bzip2" || layer.encoding === "xz") {
        throw new OciError(
          "OCI_UNSUPPORTED_MEDIA_TYPE",
          `${what}: layer ${i + 1} is ${layer.encoding}-compressed; only gzip, zstd and uncompressed layers are supported`,
        );
      }
      return { mediaType: LAYER_MEDIA_TYPES[layer.encoding], digest: layer.digest, size: layer.size };
    }),
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  return { kind: "manifest", mediaType: MediaType.ociManifest, bytes, digest: sha256Digest(bytes), manifest };
}

/**
 * Checks the layers against the config's `rootfs.diff_ids`: as many, and an uncompressed layer's
 * digest is its diff_id (a compressed one would need decompressing to check; `docker load` does that).
 * @throws {OciError} OCI_BAD_ARCHIVE
 */
export function checkDiffIds(config: ImageConfig, layers: readonly DockerLayerBlob[], what: string): void {
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== layers.length) {
    throw new OciError(
      "OCI_BAD_ARCHIVE",
      `${what}: the config lists ${diffIds.length} layers (rootfs.diff_ids), manifest.json ${layers.length}`,
    );
  }
  layers.forEach((layer, i) => {
    if (layer.encoding === "none" && layer.digest !== diffIds[i]) {
      throw new OciError(
        "OCI_BAD_ARCHIVE",
        `${what}: layer ${i + 1} has digest ${layer.digest}, but the config's diff_id is ${diffIds[i]}`,
      );
    }
  });
}

const HEAD_BYTES = 16;
// Docker 25+ stores layers as `blobs/sha256/<hex>`: the name is the digest (checked when read).
const BLOB_PATH = /^blobs\/sha256\/([a-f0-9]{64})$/;

/**
 * A layer file's digest, size and compression: from its name when it is a content-addressed blob
 * (only the first bytes are read, to sniff), otherwise by hashing it once.
 */
async function describeLayer(index: TarIndex, member: TarMember): Promise<DockerLayerBlob> {
  const named = BLOB_PATH.exec(member.path)?.[1];
  const hash = createHash("sha256");
  let head = Buffer.alloc(0);
  for await (const chunk of index.read(member, named ? HEAD_BYTES : member.size)) {
    if (!named) hash.update(chunk);
    if (head.length < HEAD_BYTES) head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
  }
  return {
    digest: (named ? `sha256:${named}` : `sha256:${hash.digest("hex")}`) as Digest,
    size: member.size,
    encoding: sniffLayerEncoding(head),
  };
}

/** A blob source over the members a docker archive's manifest names. */
class DockerArchiveBlobs implements BlobSource {
  readonly #members = new Map<string, TarMember>();

  constructor(readonly index: TarIndex) {}

  add(digest: Digest, member: TarMember): void {
    this.#members.set(digest, member);
  }

  async *readBlob(descriptor: Pick<Descriptor, "digest" | "size" | "mediaType">): AsyncIterable<Uint8Array> {
    const member = this.#members.get(descriptor.digest);
    if (!member) {
      throw new OciError(
        "OCI_BAD_ARCHIVE",
        `${this.index.file}: no file in manifest.json has digest ${descriptor.digest}`,
      );
    }
    yield* verifyBlob(this.index.read(member), descriptor, `${this.index.file}: "${member.path}"`);
  }
}

function memberOf(index: TarIndex, path: string, role: string): TarMember {
  const member = index.resolve(path);
  if (!member)
    throw new OciError(
      "OCI_BAD_ARCHIVE",
      `${index.file}: manifest.json names ${role} "${path}", which is not in the archive`,
    );
  return member;
}

/**
 * Opens an image of a `docker save` archive (`docker-archive:FILE[:REF]`, see the module comment).
 * The image must be for `platform`'s os and architecture, as a single-platform registry image must.
 * @example
 * ```ts
 * const image = await openDockerArchiveImage("alpine.tar", "alpine:3.20", hostPlatform());
 * ```
 * @throws {OciError} OCI_NOT_FOUND (no such file or image), OCI_BAD_ARCHIVE (no manifest.json, a
 *   missing or inconsistent file, a compressed or corrupt tar), OCI_PLATFORM_NOT_FOUND,
 *   OCI_UNSUPPORTED_MEDIA_TYPE, OCI_BAD_MANIFEST (a config that is not JSON)
 */
export async function openDockerArchiveImage(
  file: string,
  selector: string | undefined,
  platform: Platform,
  refText?: string,
): Promise<RawImage> {
  const ref = refText ?? `docker-archive:${file}${selector ? `:${selector}` : ""}`;
  const index = await TarIndex.open(file);
  if (!index.resolve("manifest.json")) {
    const hint = index.resolve("index.json") ? ` (it has an index.json: use oci-archive:${file})` : "";
    throw new OciError("OCI_BAD_ARCHIVE", `${file}: not a docker save archive: no manifest.json${hint}`);
  }
  const entries = parseDockerManifestJson(
    await index.readSmall("manifest.json", MAX_DOCKER_MANIFEST_BYTES),
    file,
  );
  const entry = selectDockerEntry(entries, selector, `docker-archive:${file}`);
  const source = new DockerArchiveBlobs(index);
  const configMember = memberOf(index, entry.Config, "the config");
  const configBytes = await index.readSmall(configMember.path, MAX_CONFIG_BYTES);
  const configBlob = { digest: sha256Digest(configBytes), size: configBytes.length };
  source.add(configBlob.digest, configMember);
  const config = parseImageConfig(configBytes, `${file}: config "${entry.Config}"`);
  const layers: DockerLayerBlob[] = [];
  for (const path of entry.Layers) {
    const member = memberOf(index, path, "the layer");
    const blob = await describeLayer(index, member);
    source.add(blob.digest, member);
    layers.push(blob);
  }
  checkDiffIds(config, layers, `${file}: ${ref}`);
  const imagePlatform = configPlatform(config);
  if (!platformMatches(imagePlatform, { os: platform.os, architecture: platform.architecture })) {
    throw new OciError(
      "OCI_PLATFORM_NOT_FOUND",
      `${ref} is an image for ${formatPlatform(imagePlatform)}, not ${formatPlatform(platform)} (choose it with --arch ${imagePlatform.architecture})`,
    );
  }
  const manifest = synthesizeManifest(configBlob, layers, `${file}: ${ref}`);
  return blobImage({ ref, source, manifest, platform: imagePlatform, config });
}
