/**
 * `RawImage`: an `Image` that also hands out its manifest and config exactly as stored, byte for
 * byte (go-containerregistry's `RawManifest`/`RawConfigFile`). Exporting an image as an OCI layout
 * or a `docker save` archive needs those bytes: a re-encoded manifest or config would have another
 * digest, hence be another image. Every image `openImage` returns is one; `withRawBlobs` makes one
 * from any image whose blobs a `BlobSource` holds.
 */
import { assert } from "@ocikit/errors";
import { sha256Digest } from "../digest.js";
import type { BlobSource, Image } from "../image.js";
import type { Descriptor } from "../types.js";

/** An image whose manifest and config can be read as stored. */
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

/** Reads a whole (small) blob from a source, verified there. */
export async function readBlobBytes(
  source: BlobSource,
  descriptor: Pick<Descriptor, "digest" | "size" | "mediaType">,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of source.readBlob(descriptor)) parts.push(chunk);
  return Buffer.concat(parts);
}

/**
 * `image` with raw access: `manifestBytes` are its manifest (checked against `image.digest`), the
 * config is read from `source`.
 */
export function withRawBlobs(image: Image, manifestBytes: Uint8Array, source: BlobSource): RawImage {
  assert(
    sha256Digest(manifestBytes) === image.digest,
    `withRawBlobs: the bytes are not the manifest of ${image.ref}`,
  );
  return {
    ref: image.ref,
    digest: image.digest,
    ...(image.indexDigest ? { indexDigest: image.indexDigest } : {}),
    ...(image.platform ? { platform: image.platform } : {}),
    manifest: () => image.manifest(),
    config: () => image.config(),
    layers: () => image.layers(),
    rawManifest: async () => manifestBytes,
    rawConfig: async () => readBlobBytes(source, (await image.manifest()).config),
  };
}
