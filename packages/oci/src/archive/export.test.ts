import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flattenImage } from "../flatten.js";
import type { Image, RawImage } from "../image.js";
import { openLayoutImage } from "../image-source.js";
import { readTar } from "../tar-reader.js";
import { openDockerArchiveImage } from "./docker-archive.js";
import { exportImage } from "./export.js";
import { openOciArchiveImage } from "./oci-archive.js";
import { TarIndex } from "./tar-index.js";
import {
  type BuiltImage,
  chunked,
  collect,
  listing,
  newLayout,
  storeImage,
  tempDir,
} from "./test-support/archive-fixtures.js";

const amd64 = { os: "linux", architecture: "amd64" };

describe("exportImage", () => {
  const temp = tempDir();
  const layoutDir = join(temp.path, "layout");
  let built: BuiltImage;
  let image: RawImage;

  beforeAll(async () => {
    const store = await newLayout(layoutDir);
    const shared = { files: { "lib/libc.so": "libc" } };
    built = await storeImage(store, temp.path, {
      name: "v1",
      layers: [
        shared,
        { files: { "etc/hello": "hello\n", "etc/gone": "x" }, compression: "zstd" },
        { files: { "etc/.wh.gone": "" }, compression: "none" },
        shared,
      ],
    });
    image = await openLayoutImage(layoutDir, "v1", amd64);
  });
  afterAll(() => temp.remove());

  async function exported(format: "oci" | "docker" | "filesystem", name?: string): Promise<string> {
    const file = join(temp.path, `${format}-${name ?? "unnamed"}.tar`.replaceAll("/", "_"));
    writeFileSync(file, await collect(exportImage(image, format, name === undefined ? {} : { name })));
    return file;
  }

  it("oci: a layout tar with the same manifest digest and bytes, named as LinuxKit and containerd name it", async () => {
    const file = await exported("oci", "alpine:3.20");
    const index = await TarIndex.open(file);
    expect(index.members().map((m) => m.path)).toEqual([
      "blobs",
      "blobs/sha256",
      ...[
        built.descriptor.digest,
        built.config.digest,
        ...new Set(built.layers.map((l) => l.descriptor.digest)),
      ]
        .map((d) => `blobs/sha256/${d.slice(7)}`)
        .sort(),
      "index.json",
      "oci-layout",
    ]);
    const json = JSON.parse((await index.readSmall("index.json", 1 << 20)).toString());
    expect(json.manifests).toEqual([
      {
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        digest: built.descriptor.digest,
        size: built.manifestBytes.length,
        annotations: {
          "io.containerd.image.name": "docker.io/library/alpine:3.20",
          "org.opencontainers.image.ref.name": "docker.io/library/alpine:3.20",
        },
      },
    ]);
    const again = await openOciArchiveImage(file, undefined, amd64);
    expect(again.digest).toBe(image.digest);
    expect(await listing(flattenImage(again))).toEqual(await listing(flattenImage(image)));
  });

  it("docker: manifest.json with RepoTags, the config as <hex>.json, layers as stored", async () => {
    const file = await exported("docker", "localhost:5000/x/y:1");
    const index = await TarIndex.open(file);
    const manifest = JSON.parse((await index.readSmall("manifest.json", 1 << 20)).toString());
    const hex = (d: string) => d.slice(7);
    const suffix = [".tar.gz", ".tar.zst", ".tar", ".tar.gz"];
    expect(manifest).toEqual([
      {
        Config: `${hex(built.config.digest)}.json`,
        RepoTags: ["localhost:5000/x/y:1"],
        Layers: built.layers.map((l, i) => `${hex(l.descriptor.digest)}${suffix[i]}`),
      },
    ]);
    expect(index.members().filter((m) => m.type === "file")).toHaveLength(5);
    const again = await openDockerArchiveImage(file, "localhost:5000/x/y:1", amd64);
    expect((await again.manifest()).layers.map((l) => l.digest)).toEqual(
      built.layers.map((l) => l.descriptor.digest),
    );
    expect(await again.rawConfig()).toEqual(built.configBytes);
    expect(await listing(flattenImage(again))).toEqual(await listing(flattenImage(image)));
  });

  it("filesystem: the flattened tree, whiteouts applied", async () => {
    const bytes = await collect(exportImage(image, "filesystem"));
    const tree = await listing(readTar(chunked(bytes), { source: "export" }));
    expect(tree).toEqual(await listing(flattenImage(image)));
    expect(tree.join("\n")).not.toContain("gone");
  });

  it.each(["oci", "docker", "filesystem"] as const)(
    "%s: the same image gives the same bytes",
    async (format) => {
      const first = await collect(exportImage(image, format, { name: "a:b" }));
      const second = await collect(exportImage(image, format, { name: "a:b" }));
      expect(first.equals(second)).toBe(true);
      expect(first.length % 512).toBe(0);
    },
  );

  it("oci without a name writes no annotations; a name that is not a reference is kept as ref.name only", async () => {
    const plain = JSON.parse(
      (await (await TarIndex.open(await exported("oci"))).readSmall("index.json", 1 << 20)).toString(),
    );
    expect(plain.manifests[0].annotations).toBeUndefined();
    const odd = JSON.parse(
      (
        await (await TarIndex.open(await exported("oci", "Not A Ref"))).readSmall("index.json", 1 << 20)
      ).toString(),
    );
    expect(odd.manifests[0].annotations).toEqual({ "org.opencontainers.image.ref.name": "Not A Ref" });
  });

  it("docker refuses a name without a tag", async () => {
    const name = `x@sha256:${"a".repeat(64)}`;
    await expect(collect(exportImage(image, "docker", { name }))).rejects.toMatchObject({
      code: "OCI_BAD_REFERENCE",
    });
  });

  it("oci and docker need the stored bytes: a plain Image is a programming error", async () => {
    const plain: Image = {
      ref: "x",
      digest: image.digest,
      manifest: () => image.manifest(),
      config: () => image.config(),
      layers: () => image.layers(),
    };
    await expect(collect(exportImage(plain, "oci"))).rejects.toMatchObject({ name: "InternalError" });
  });

  it("stops when the signal is aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(collect(exportImage(image, "oci", { signal: controller.signal }))).rejects.toThrow();
  });
});
