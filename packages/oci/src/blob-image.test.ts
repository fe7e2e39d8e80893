import { describe, expect, it } from "vitest";
import { blobImage } from "../blob-image.js";
import { sha256Digest } from "../digest.js";
import type { BlobSource } from "../image.js";
import { MediaType } from "../media-types.js";
import type { ImageManifest } from "../types.js";
import { isRawImage, readBlobBytes, withRawBlobs } from "./raw-image.js";

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
const image = blobImage({ ref: "x", source, digest: sha256Digest(manifestBytes), manifest });

describe("withRawBlobs", () => {
  it("hands out the manifest and config as stored, and the view unchanged", async () => {
    const raw = withRawBlobs(image, manifestBytes, source);
    expect(isRawImage(raw)).toBe(true);
    expect(isRawImage(image)).toBe(false);
    expect(await raw.rawManifest()).toBe(manifestBytes);
    expect(Buffer.from(await raw.rawConfig()).equals(config)).toBe(true);
    expect(await raw.config()).toEqual(await image.config());
    expect(raw.digest).toBe(image.digest);
  });

  it("refuses bytes that are not the image's manifest (a bug)", () => {
    expect(() => withRawBlobs(image, Buffer.from("{}"), source)).toThrow(/internal error/);
  });

  it("reads a whole blob", async () => {
    expect(Buffer.from(await readBlobBytes(source, manifest.config)).equals(config)).toBe(true);
  });
});
