/**
 * An `Image` over any `BlobSource` (the cache, a layout directory, an archive, a registry): given its
 * manifest, the config and layers are read through the source — verified there — and layers are
 * decompressed on the fly. This is go-containerregistry's `partial` idea: every backing only has to
 * hand out blobs.
 */
import type { Digest } from "./digest.js";
import type { BlobSource, Image, Layer } from "./image.js";
import { decompressLayer } from "./layer-decompress.js";
import { parseImageConfig } from "./manifest.js";
import type { Descriptor, ImageConfig, ImageManifest, Platform } from "./types.js";

export interface BlobImageOptions {
  readonly ref: string;
  readonly source: BlobSource;
  readonly digest: Digest;
  readonly manifest: ImageManifest;
  readonly indexDigest?: Digest;
  readonly platform?: Platform;
}

/** An image whose blobs come from `source`. */
export function blobImage(options: BlobImageOptions): Image {
  let config: Promise<ImageConfig> | undefined;
  const { source, manifest, ref } = options;
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
    digest: options.digest,
    ...(options.indexDigest ? { indexDigest: options.indexDigest } : {}),
    ...(options.platform ? { platform: options.platform } : {}),
    manifest: async () => manifest,
    config: () => {
      config ??= readAll(source.readBlob(manifest.config)).then((bytes) =>
        parseImageConfig(bytes, `config of ${ref}`),
      );
      return config;
    },
    layers: async () => manifest.layers.map(layer),
  };
}

async function readAll(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}
