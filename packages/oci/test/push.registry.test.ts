/**
 * Pushing from the cache to Debian's docker-registry: cross-repository mounts, chunked uploads,
 * multi-platform indexes (whole, or partial with a warning), checked by pulling back and with skopeo.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { pushTestImage, startRegistry, type TestRegistry } from "@ocikit/test-registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ImagePuller,
  OciLayoutStore,
  type PushEvent,
  pushCachedImage,
  RegistryTransport,
} from "../src/index.js";

let registry: TestRegistry;
let cacheDir: string;
let store: OciLayoutStore;
let multi: string;
let single: string;

beforeAll(async () => {
  registry = await startRegistry();
  cacheDir = await mkdtemp(join(tmpdir(), "ocikit-push-"));
  store = await OciLayoutStore.open(cacheDir, { create: true });
  single = (
    await pushTestImage(registry, {
      repository: "src/single",
      tag: "1",
      image: {
        layers: [{ files: [{ path: "data", contents: { sizeBytes: 3_500_000 } }], compression: "none" }],
      },
    })
  ).reference;
  multi = (
    await pushTestImage(registry, {
      repository: "src/multi",
      tag: "1",
      image: {
        manifests: ["amd64", "arm64"].map((architecture) => ({
          platform: { os: "linux", architecture },
          layers: [{ files: [{ path: "arch", contents: architecture }] }],
        })),
      },
    })
  ).reference;
  const transport = new RegistryTransport();
  await new ImagePuller({ store, transport, platform: { os: "linux", architecture: "amd64" } }).pull(single);
  await new ImagePuller({ store, transport, platform: { os: "linux", architecture: "amd64" } }).pull(multi);
}, 120_000);

afterAll(async () => {
  await registry?.stop();
  await rm(cacheDir, { recursive: true, force: true });
});

const run = promisify(execFile);
const inspect = async (ref: string, ...args: string[]) =>
  JSON.parse(
    (await run("skopeo", ["inspect", "--tls-verify=false", ...args, `docker://${ref}`])).stdout,
  ) as Record<string, unknown>;

describe("pushing cached images", () => {
  it("mounts blobs from the source repository of the same registry", async () => {
    const events: PushEvent[] = [];
    const digest = await pushCachedImage(`${registry.host}/src/single:1`, `${registry.host}/dst/mounted:1`, {
      store,
      transport: new RegistryTransport(),
      onProgress: (e) => events.push(e),
    });
    expect(events.filter((e) => e.type === "blob").map((e) => (e.type === "blob" ? e.result : ""))).toEqual([
      "mounted",
      "mounted",
    ]);
    expect(await inspect(`${registry.host}/dst/mounted:1`)).toMatchObject({ Digest: digest });
  });

  it("uploads big blobs in chunks, and the registry has exactly those bytes", async () => {
    const events: PushEvent[] = [];
    // Another registry: nothing to mount from, so the bytes go up.
    const second = await startRegistry();
    const target = `${second.host}/dst/chunked:1`;
    const digest = await pushCachedImage(`${registry.host}/src/single:1`, target, {
      store,
      transport: new RegistryTransport(),
      chunkBytes: 1 << 20,
      onProgress: (e) => events.push(e),
    });
    expect(events.filter((e) => e.type === "blob").map((e) => (e.type === "blob" ? e.result : ""))).toEqual([
      "uploaded",
      "uploaded",
    ]);
    const other = await mkdtemp(join(tmpdir(), "ocikit-push-back-"));
    try {
      const back = await new ImagePuller({
        store: await OciLayoutStore.open(other, { create: true }),
        transport: new RegistryTransport(),
        platform: { os: "linux", architecture: "amd64" },
      }).pull(target);
      expect(back.digest).toBe(digest);
      for (const layer of await back.layers()) for await (const _ of layer.blob()); // verified while read
    } finally {
      await rm(other, { recursive: true, force: true });
      await second.stop();
    }
  });

  it("pushes a partially cached index as an index of the cached platforms, with a warning", async () => {
    const events: PushEvent[] = [];
    await pushCachedImage(`${registry.host}/src/multi:1`, `${registry.host}/dst/multi:1`, {
      store,
      transport: new RegistryTransport(),
      onProgress: (e) => events.push(e),
    });
    expect(events).toContainEqual(expect.objectContaining({ type: "warning", code: "OCI_PARTIAL_INDEX" }));
    const raw = await inspect(`${registry.host}/dst/multi:1`, "--raw");
    expect((raw.manifests as unknown[]).length).toBe(1);
  });

  it("says when the image is not cached", async () => {
    await expect(
      pushCachedImage("docker.io/library/nope:1", `${registry.host}/x:1`, {
        store,
        transport: new RegistryTransport(),
      }),
    ).rejects.toMatchObject({ code: "OCI_NOT_CACHED" });
  });
});
