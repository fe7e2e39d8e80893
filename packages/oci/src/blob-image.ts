/**
 * An `Image` over any `BlobSource` (the cache, a layout directory, an archive, a registry): given its
 * manifest as stored, the config and layers are read through the source — verified there — and
 * layers are decompressed on the fly. This is go-containerregistry's `partial` idea: every backing
 * only has to hand out blobs. The manifest's bytes are kept, so every such image is a `RawImage`.
 */
import type { Digest } from "./digest.js";
import { type BlobSource, type Layer, type RawImage, readBlobBytes } from "./image.js";
import { decompressLayer } from "./layer-decompress.js";
import { type ImageManifestDocument, parseImageConfig } from "./manifest.js";
import type { Descriptor, ImageConfig, Platform } from "./types.js";

export interface BlobImageOptions {
  readonly ref: string;
  readonly source: BlobSource;
  /** The image's manifest: its bytes as stored (their digest is the image's), and their parse. */
  readonly manifest: ImageManifestDocument;
  readonly indexDigest?: Digest;
  readonly platform?: Platform;
  /** The config, when the caller has already read it; otherwise it is read on the first `config()`. */
  readonly config?: ImageConfig;
}

/** An image whose blobs come from `source`. */
export function blobImage(options: BlobImageOptions): RawImage {
  const { source, ref } = options;
  const { manifest, bytes: manifestBytes, digest } = options.manifest;
  let config: Promise<ImageConfig> | undefined = options.config && Promise.resolve(options.config);
  const rawConfig = () => readBlobBytes(source, manifest.config);
  const layer = (descriptor: Descriptor, i: number): Layer => {
    const what = `layer ${i + 1}/${manifest.layers.length} (${descriptor.digest}) of ${ref}`;
    return {
      descriptor,
      blob: () => source.readBlob(descriptor),
      uncompressed: () => decompressLayer(descriptor.mediaType, source.readBlob(descriptor), what),
    };
  };
  return {
    ref,
    digest,
    ...(options.indexDigest ? { indexDigest: options.indexDigest } : {}),
    ...(options.platform ? { platform: options.platform } : {}),
    manifest: async () => manifest,
    config: () => {
      config ??= rawConfig().then((bytes) => parseImageConfig(bytes, `config of ${ref}`));
      return config;
    },
    layers: async () => manifest.layers.map(layer),
    rawManifest: async () => manifestBytes,
    rawConfig,
  };
}
