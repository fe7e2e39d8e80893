import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flattenImage } from "../flatten.js";
import { openLayoutImage } from "../image-source.js";
import type { OciLayoutStore } from "../layout-store.js";
import { openDockerArchiveImage } from "./docker-archive.js";
import { exportImage } from "./export.js";
import { importArchive } from "./import.js";
import {
  buildLayer,
  chunked,
  collect,
  dockerSaveTar,
  hexOf,
  listing,
  newLayout,
  sha256,
  storeImage,
  storeIndex,
  tarDirectory,
  tempDir,
} from "./test-support/archive-fixtures.js";

const amd64 = { os: "linux", architecture: "amd64" };
const arm64 = { os: "linux", architecture: "arm64" };

describe("importArchive", () => {
  const temp = tempDir();
  let serial = 0;
  const freshStore = () => newLayout(join(temp.path, `cache-${++serial}`));
  let ociTar: Buffer;
  let dockerTar: Buffer;
  let legacyTar: Buffer;
  let sourceDir: string;

  beforeAll(async () => {
    sourceDir = join(temp.path, "source");
    const store = await newLayout(sourceDir);
    await storeImage(store, temp.path, {
      name: "v1",
      layers: [
        { files: { "etc/a": "a\n", "etc/b": "b\n" } },
        { files: { "etc/.wh.a": "" }, compression: "zstd" },
      ],
    });
    const image = await openLayoutImage(sourceDir, "v1", amd64);
    ociTar = await collect(exportImage(image, "oci", { name: "example.com/team/app:1.0" }));
    dockerTar = await collect(exportImage(image, "docker", { name: "app:2" }));
    const base = buildLayer(temp.path, { files: { "bin/sh": "sh" }, compression: "none" });
    const config = Buffer.from(
      JSON.stringify({
        architecture: "amd64",
        os: "linux",
        rootfs: { type: "layers", diff_ids: [base.diffId] },
      }),
    );
    legacyTar = dockerSaveTar(temp.path, {
      [`${hexOf(sha256(config))}.json`]: config,
      "0123/layer.tar": base.tar,
      "0123/json": "{}",
      "4567/layer.tar": { symlink: "../0123/layer.tar" },
      "manifest.json": JSON.stringify([
        {
          Config: `${hexOf(sha256(config))}.json`,
          RepoTags: ["busybox:latest", "Weird Name"],
          Layers: ["0123/layer.tar"],
        },
        { Config: `${hexOf(sha256(config))}.json`, RepoTags: [], Layers: ["4567/layer.tar"] },
      ]),
    });
  });
  afterAll(() => temp.remove());

  const ingestLeft = (store: OciLayoutStore) => {
    try {
      return readdirSync(join(store.dir, "ingest"));
    } catch {
      return [];
    }
  };

  it("imports an OCI layout tar from a stream in small chunks, keeping the manifest digest", async () => {
    const store = await freshStore();
    const { names } = await importArchive(chunked(ociTar, 333), store, { source: "standard input" });
    expect(names).toEqual(["example.com/team/app:1.0"]);
    const image = await openLayoutImage(store.dir, "example.com/team/app:1.0", amd64);
    const original = await openLayoutImage(sourceDir, "v1", amd64);
    expect(image.digest).toBe(original.digest);
    expect(await listing(flattenImage(image))).toEqual(await listing(flattenImage(original)));
    expect(ingestLeft(store)).toEqual([]);
  });

  it("imports a docker save with the digest docker-archive: gives, and drops files no image uses", async () => {
    const store = await freshStore();
    const { names } = await importArchive(chunked(dockerTar, 1000), store, { source: "app.tar" });
    expect(names).toEqual(["docker.io/library/app:2"]);
    const file = join(temp.path, "app.tar");
    writeFileSync(file, dockerTar);
    const inPlace = await openDockerArchiveImage(file, undefined, amd64);
    const imported = await openLayoutImage(store.dir, "docker.io/library/app:2", amd64);
    expect(imported.digest).toBe(inPlace.digest);
    expect(await listing(flattenImage(imported))).toEqual(await listing(flattenImage(inPlace)));
    expect((await store.resolveName("docker.io/library/app:2"))?.platform).toEqual(amd64);
  });

  it("imports a legacy docker save: RepoTags normalised or kept, untagged images named by digest", async () => {
    const store = await freshStore();
    const { names } = await importArchive(chunked(legacyTar), store, { source: "legacy.tar" });
    expect(names.slice(0, 2)).toEqual(["docker.io/library/busybox:latest", "Weird Name"]);
    expect(names[2]).toMatch(/^sha256:[a-f0-9]{64}$/);
    // The symlinked layer is the same file: both images are one manifest.
    expect(names[2]).toBe((await store.resolveName("Weird Name"))?.digest);
    const blobs = readdirSync(join(store.dir, "blobs/sha256"));
    expect(blobs).toHaveLength(3); // config, layer, manifest: `0123/json` was not kept
    expect(ingestLeft(store)).toEqual([]);
  });

  it("imports an index with its platforms, named by io.containerd.image.name first", async () => {
    const dir = join(temp.path, "indexed");
    const store = await newLayout(dir);
    const built = await storeIndex(store, temp.path, "ignored", [
      { platform: amd64, layers: [{ files: { arch: "amd64" } }] },
      { platform: arm64, layers: [{ files: { arch: "arm64" } }] },
    ]);
    const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8"));
    index.manifests[0].annotations = {
      "org.opencontainers.image.ref.name": "latest",
      "io.containerd.image.name": "docker.io/library/multi:latest",
      "com.example.kept": "yes",
    };
    writeFileSync(join(dir, "index.json"), JSON.stringify(index));
    const target = await freshStore();
    const { names } = await importArchive(chunked(tarDirectory(dir)), target, { source: "multi.tar" });
    expect(names).toEqual(["docker.io/library/multi:latest"]);
    expect(await target.resolveName("docker.io/library/multi:latest")).toEqual({
      ...built.descriptor,
      annotations: {
        "com.example.kept": "yes",
        "org.opencontainers.image.ref.name": "docker.io/library/multi:latest",
      },
    });
    const arm = await openLayoutImage(target.dir, "docker.io/library/multi:latest", arm64);
    expect(arm.digest).toBe(built.images[1]?.descriptor.digest);
  });

  it.each([
    ["its index.json when it lists images (real digests)", true],
    ["its manifest.json when index.json lists none", false],
  ])("imports a Docker 25+ save (OCI layout and manifest.json) through %s", async (_name, listed) => {
    const dir = join(temp.path, `docker25-${listed}`);
    const layout = await newLayout(dir);
    const built = await storeImage(layout, temp.path, { layers: [{ files: { x: "x" } }] });
    const entry = {
      ...built.descriptor,
      annotations: {
        "io.containerd.image.name": "docker.io/library/d25:1",
        "org.opencontainers.image.ref.name": "1",
      },
    };
    writeFileSync(
      join(dir, "index.json"),
      JSON.stringify({ schemaVersion: 2, manifests: listed ? [entry] : [] }),
    );
    const blob = (d: string) => `blobs/sha256/${hexOf(d)}`;
    const layer = built.layers[0]?.descriptor.digest ?? "";
    writeFileSync(
      join(dir, "manifest.json"),
      JSON.stringify([{ Config: blob(built.config.digest), RepoTags: ["d25:1"], Layers: [blob(layer)] }]),
    );
    const store = await freshStore();
    const { names } = await importArchive(chunked(tarDirectory(dir)), store, { source: "d25.tar" });
    expect(names).toEqual(["docker.io/library/d25:1"]);
    const digest = (await store.resolveName("docker.io/library/d25:1"))?.digest;
    if (listed) expect(digest).toBe(built.descriptor.digest);
    else expect(digest).not.toBe(built.descriptor.digest);
    const image = await openLayoutImage(store.dir, "docker.io/library/d25:1", amd64);
    expect((await image.manifest()).layers.map((l) => l.digest)).toEqual([layer]);
  });

  it("refuses a blob whose bytes are not its name's, and names nothing", async () => {
    const bytes = Buffer.from(ociTar);
    // Flip a byte of the first blob's data: headers of blobs/ and blobs/sha256/, then the blob's.
    bytes[3 * 512 + 10] = (bytes[3 * 512 + 10] ?? 0) ^ 0xff;
    const store = await freshStore();
    const error = await importArchive(chunked(bytes), store, { source: "bad.tar" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "OCI_DIGEST_MISMATCH" });
    expect((error as Error).message).toContain("bad.tar");
    expect(await store.names()).toEqual([]);
    expect(readdirSync(join(store.dir, "blobs/sha256"))).toEqual([]);
    expect(ingestLeft(store)).toEqual([]);
  });

  it.each([
    ["neither layout", { "hello.txt": "hi" }, /neither an OCI image layout/],
    [
      "a manifest.json naming a missing file",
      { "manifest.json": '[{"Config":"c.json","RepoTags":[],"Layers":[]}]' },
      /"c.json", which is not in the archive/,
    ],
    [
      "an index.json naming a missing blob",
      {
        "index.json": `{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:${"0".repeat(64)}","size":2}]}`,
      },
      /neither in the archive nor in the cache/,
    ],
  ])("refuses %s", async (_name, files, message) => {
    const store = await freshStore();
    const error = await importArchive(chunked(dockerSaveTar(temp.path, files)), store, {
      source: "x.tar",
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "OCI_BAD_ARCHIVE" });
    expect((error as Error).message).toMatch(message);
    expect(await store.names()).toEqual([]);
  });

  it("skips blobs the store already has, and still names the image", async () => {
    const store = await freshStore();
    await importArchive(chunked(ociTar), store, { source: "first" });
    const { names } = await importArchive(chunked(ociTar), store, { source: "second" });
    expect(names).toEqual(["example.com/team/app:1.0"]);
  });
});

describe("OciLayoutStore.ingestBlob", () => {
  const temp = tempDir();
  afterAll(() => temp.remove());

  it("hashes while writing, keeps the bytes out of blobs/ until commit, and removes them on discard", async () => {
    const store = await newLayout(join(temp.path, "store"));
    const kept = await store.ingestBlob(chunked(Buffer.from("some layer bytes"), 3));
    expect(kept).toMatchObject({ digest: sha256(Buffer.from("some layer bytes")), size: 16 });
    expect(await store.hasBlob(kept)).toBe(false);
    expect((await collect(kept.read())).toString()).toBe("some layer bytes");
    await kept.commit();
    expect(await store.hasBlob(kept)).toBe(true);
    expect((await collect(kept.read())).toString()).toBe("some layer bytes");
    const dropped = await store.ingestBlob(chunked(Buffer.from("junk")));
    await dropped.discard();
    await dropped.commit();
    expect(await store.hasBlob(dropped)).toBe(false);
    expect(readdirSync(join(store.dir, "ingest"))).toEqual([]);
  });
});
