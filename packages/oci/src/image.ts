/**
 * `Image` and `Layer`: immutable, read-only views of an image, whatever backs them — a registry, the
 * cache, an OCI layout directory, an OCI or docker archive (after go-containerregistry's `v1.Image`:
 * small accessors, many backings). Every byte they return is verified against its descriptor.
 */
import type { Digest } from "./digest.js";
import type { Descriptor, ImageConfig, ImageManifest, Platform } from "./types.js";

/** One layer: its descriptor and its verified bytes. */
export interface Layer {
  /** The layer's descriptor from the manifest (media type, digest, size). */
  readonly descriptor: Descriptor;
  /** The blob as stored (compressed), verified against the descriptor while it streams. */
  blob(): AsyncIterable<Uint8Array>;
  /** The uncompressed tar stream (gzip, zstd or none, by media type and magic bytes). */
  uncompressed(): AsyncIterable<Uint8Array>;
}

/** A single-platform image pinned by digest. */
export interface Image {
  /** What the user asked for, normalised, e.g. `docker.io/library/alpine:3.20` or `oci:/x:tag`. */
  readonly ref: string;
  /** Digest of this image's manifest. */
  readonly digest: Digest;
  /** Digest of the index it was chosen from, when it came from one. */
  readonly indexDigest?: Digest;
  /** The platform the manifest is for (from the index entry or the config). */
  readonly platform?: Platform;
  manifest(): Promise<ImageManifest>;
  config(): Promise<ImageConfig>;
  /** Base layer first. */
  layers(): Promise<readonly Layer[]>;
}

/**
 * An image that also hands out its manifest and config exactly as stored, byte for byte
 * (go-containerregistry's `RawManifest`/`RawConfigFile`). Exporting an image as an OCI layout or a
 * `docker save` archive needs those bytes: a re-encoded manifest or config would have another
 * digest, hence be another image. Every image `blobImage` makes (so every image this package opens
 * or pulls) is one.
 */
export interface RawImage extends Image {
  /** The manifest's bytes; their sha256 is `digest`. */
  rawManifest(): Promise<Uint8Array>;
  /** The config blob's bytes, verified against the manifest's config descriptor. */
  rawConfig(): Promise<Uint8Array>;
}

/** Whether `image` can hand out its manifest and config as stored. */
export function isRawImage(image: Image): image is RawImage {
  const candidate = image as Partial<RawImage>;
  return typeof candidate.rawManifest === "function" && typeof candidate.rawConfig === "function";
}

/** Something that can hand out verified blobs by descriptor: the core every backing implements. */
export interface BlobSource {
  /** Streams the blob named by `descriptor`, verified against its digest and size. */
  readBlob(descriptor: Pick<Descriptor, "digest" | "size" | "mediaType">): AsyncIterable<Uint8Array>;
}

/** Reads a whole (small) blob from a source, verified there. */
export async function readBlobBytes(
  source: BlobSource,
  descriptor: Pick<Descriptor, "digest" | "size" | "mediaType">,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of source.readBlob(descriptor)) parts.push(chunk);
  return Buffer.concat(parts);
}
