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

/** Something that can hand out verified blobs by descriptor: the core every backing implements. */
export interface BlobSource {
  /** Streams the blob named by `descriptor`, verified against its digest and size. */
  readBlob(descriptor: Pick<Descriptor, "digest" | "size" | "mediaType">): AsyncIterable<Uint8Array>;
}
