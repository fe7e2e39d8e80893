import { describe, expect, it } from "vitest";
import { blobImage } from "./blob-image.js";
import { sha256Digest } from "./digest.js";
import { type BlobSource, type Image, isRawImage, readBlobBytes } from "./image.js";
import { parseManifest } from "./manifest.js";
import { MediaType } from "./media-types.js";
import type { ImageManifest } from "./types.js";

const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
const manifest: ImageManifest = {
  schemaVersion: 2,
  mediaType: MediaType.ociManifest,
  config: { mediaType: MediaType.ociConfig, digest: sha256Digest(config), size: config.length },
  layers: [],
};
const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 2));
const source: BlobSource = {
  async *readBlob(descriptor) {
    if (descriptor.digest === sha256Digest(config)) yield config;
  },
};
const document = parseManifest(manifestBytes, MediaType.ociManifest, "x");
if (document.kind !== "manifest") throw new Error("not a manifest");

describe("blobImage", () => {
  it("hands out the manifest and config as stored, and the view unchanged", async () => {
    const raw = blobImage({ ref: "x", source, manifest: document });
    const image: Image = {
      ref: raw.ref,
      digest: raw.digest,
      manifest: () => raw.manifest(),
      config: () => raw.config(),
      layers: () => raw.layers(),
    };
    expect(isRawImage(raw)).toBe(true);
    expect(isRawImage(image)).toBe(false);
    expect(await raw.rawManifest()).toBe(manifestBytes);
    expect(Buffer.from(await raw.rawConfig()).equals(config)).toBe(true);
    expect(await raw.config()).toEqual(JSON.parse(config.toString()));
    expect(raw.digest).toBe(sha256Digest(manifestBytes));
  });

  it("reads a whole blob", async () => {
    expect(Buffer.from(await readBlobBytes(source, manifest.config)).equals(config)).toBe(true);
  });
});
