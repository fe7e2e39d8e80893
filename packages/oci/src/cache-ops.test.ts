import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cleanCache, listCachedImages, reachableBlobs, removeCachedImages } from "./cache-ops.js";
import { OciLayoutStore } from "./layout-store.js";
import { MediaType } from "./media-types.js";
import type { Descriptor } from "./types.js";

let dir: string;
let store: OciLayoutStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ocikit-cacheops-"));
  store = await OciLayoutStore.open(dir, { create: true });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

async function image(layers: string[], arch = "amd64"): Promise<Descriptor> {
  const layerDescs = await Promise.all(layers.map((l) => store.writeBytes(bytes(l), MediaType.ociLayerGzip)));
  const config = await store.writeBytes(
    bytes(JSON.stringify({ architecture: arch, os: "linux", rootfs: { type: "layers", diff_ids: [] } })),
    MediaType.ociConfig,
  );
  const manifest = { schemaVersion: 2, mediaType: MediaType.ociManifest, config, layers: layerDescs };
  return store.writeBytes(bytes(JSON.stringify(manifest)), MediaType.ociManifest);
}

describe("cache operations", () => {
  it("lists names with the cached platforms of an index", async () => {
    const amd = await image(["base", "amd"]);
    const arm = await image(["base", "arm"], "arm64");
    const index = await store.writeBytes(
      bytes(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MediaType.ociIndex,
          manifests: [
            { ...amd, platform: { os: "linux", architecture: "amd64" } },
            { ...arm, platform: { os: "linux", architecture: "arm64" } },
          ],
        }),
      ),
      MediaType.ociIndex,
    );
    await store.setName("r/multi:1", index);
    await store.setName("r/single:1", { ...amd, platform: { os: "linux", architecture: "amd64" } });
    expect(await listCachedImages(store)).toEqual([
      {
        name: "r/multi:1",
        digest: index.digest,
        mediaType: MediaType.ociIndex,
        platforms: ["linux/amd64", "linux/arm64"],
      },
      {
        name: "r/single:1",
        digest: amd.digest,
        mediaType: MediaType.ociManifest,
        platforms: ["linux/amd64"],
      },
    ]);
  });

  it("removes only the blobs no other cached image uses (Appendix A.18)", async () => {
    const a = await image(["shared base", "only a"]);
    const b = await image(["shared base", "only b"]);
    await store.setName("r/a:1", a);
    await store.setName("r/b:1", b);
    const aBlobs = await reachableBlobs(store, a);
    const bBlobs = await reachableBlobs(store, b);
    expect(aBlobs.size).toBe(4); // manifest, config (the same as b's), "shared base", "only a"
    const result = await removeCachedImages(store, ["r/a:1", "r/nope:1"]);
    expect(result).toMatchObject({ notFound: ["r/nope:1"], deletedBlobs: 2, keptSharedBlobs: 2 });
    expect(result.removed.map((r) => r.name)).toEqual(["r/a:1"]);
    const onDisk = new Set((await readdir(join(dir, "blobs", "sha256"))).map((hex) => `sha256:${hex}`));
    for (const digest of bBlobs) expect(onDisk.has(digest)).toBe(true);
    for (const digest of aBlobs) expect(onDisk.has(digest)).toBe(bBlobs.has(digest));
    expect((await listCachedImages(store)).map((i) => i.name)).toEqual(["r/b:1"]);
  });

  it("cleans everything and stays a valid layout", async () => {
    await store.setName("r/a:1", await image(["x"]));
    await cleanCache(store);
    expect(await store.names()).toEqual([]);
    expect(await readdir(join(dir, "blobs", "sha256"))).toEqual([]);
    expect((await OciLayoutStore.open(dir)).dir).toBe(dir);
  });
});
