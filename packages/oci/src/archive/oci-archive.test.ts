import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flattenImage } from "../flatten.js";
import { openLayoutImage } from "../image-source.js";
import { openOciArchiveImage } from "./oci-archive.js";
import {
  type BuiltImage,
  collect,
  hexOf,
  listing,
  newLayout,
  run,
  storeImage,
  storeIndex,
  tarDirectory,
  tempDir,
} from "./test-support/archive-fixtures.js";

const amd64 = { os: "linux", architecture: "amd64" };
const arm64 = { os: "linux", architecture: "arm64" };

describe("openOciArchiveImage", () => {
  const temp = tempDir();
  const layoutDir = join(temp.path, "layout");
  const archive = join(temp.path, "layout.tar");
  let single: BuiltImage;
  let multi: { images: BuiltImage[] };

  beforeAll(async () => {
    const store = await newLayout(layoutDir);
    single = await storeImage(store, temp.path, {
      name: "v1",
      layers: [
        { files: { etc: null, "etc/hello": "hello\n", "bin/sh": "#!" } },
        { files: { "etc/.wh.hello": "", "etc/added": "added\n" }, compression: "none" },
      ],
    });
    multi = await storeIndex(store, temp.path, "multi", [
      { platform: amd64, layers: [{ files: { arch: "amd64\n" } }] },
      { platform: arm64, layers: [{ files: { arch: "arm64\n" } }] },
    ]);
    writeFileSync(archive, tarDirectory(layoutDir));
  });
  afterAll(() => temp.remove());

  it("reads an image in place: same digest, config and flattened tree as the layout directory", async () => {
    const fromArchive = await openOciArchiveImage(archive, "v1", amd64);
    const fromDir = await openLayoutImage(layoutDir, "v1", amd64);
    expect(fromArchive.digest).toBe(single.descriptor.digest);
    expect(fromArchive.ref).toBe(`oci-archive:${archive}:v1`);
    expect(await fromArchive.config()).toEqual(await fromDir.config());
    const tree = await listing(flattenImage(fromArchive));
    expect(tree).toEqual(await listing(flattenImage(fromDir)));
    expect(tree.join("\n")).toContain("etc/added file");
    expect(tree.join("\n")).not.toContain("etc/hello");
    expect(Buffer.from(await fromArchive.rawManifest()).equals(single.manifestBytes)).toBe(true);
    expect(Buffer.from(await fromArchive.rawConfig()).equals(single.configBytes)).toBe(true);
  });

  it.each([
    ["amd64", amd64, 0],
    ["arm64", arm64, 1],
  ])("resolves an index to the %s image", async (_name, platform, i) => {
    const image = await openOciArchiveImage(archive, "multi", platform);
    expect(image.digest).toBe(multi.images[i]?.descriptor.digest);
    expect(image.platform).toEqual(platform);
    expect((await listing(flattenImage(image))).join()).toContain(
      `arch file 644 0:0 ${platform.architecture.length + 1}`,
    );
  });

  it.each([
    ["no name for a layout of two images", undefined, amd64, "OCI_NOT_FOUND", /2 images.*v1.*multi/],
    ["an unknown name", "v2", amd64, "OCI_NOT_FOUND", /no image named "v2".*v1, multi/],
    [
      "a platform the index lacks",
      "multi",
      { os: "linux", architecture: "s390x" },
      "OCI_PLATFORM_NOT_FOUND",
      /linux\/amd64, linux\/arm64/,
    ],
  ])("refuses %s", async (_name, name, platform, code, message) => {
    const error = await openOciArchiveImage(archive, name, platform).catch((e: unknown) => e);
    expect(error).toMatchObject({ code });
    expect((error as Error).message).toMatch(message);
  });

  it("selects by digest and by io.containerd.image.name", async () => {
    expect((await openOciArchiveImage(archive, single.descriptor.digest, amd64)).digest).toBe(
      single.descriptor.digest,
    );
    const dir = join(temp.path, "containerd");
    const store = await newLayout(dir);
    await storeImage(store, temp.path, { layers: [{ files: { a: "a" } }] });
    const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8"));
    const built = await storeImage(store, temp.path, { layers: [{ files: { b: "b" } }] });
    index.manifests = [
      { ...built.descriptor, annotations: { "io.containerd.image.name": "docker.io/library/b:1" } },
    ];
    writeFileSync(join(dir, "index.json"), JSON.stringify(index));
    const file = join(temp.path, "containerd.tar");
    writeFileSync(file, tarDirectory(dir));
    expect((await openOciArchiveImage(file, "docker.io/library/b:1", amd64)).digest).toBe(
      built.descriptor.digest,
    );
    expect((await openOciArchiveImage(file, undefined, amd64)).digest).toBe(built.descriptor.digest);
  });

  it("verifies blobs: a changed byte fails with the archive and digest named", async () => {
    const dir = join(temp.path, "corrupt");
    run("cp", ["-a", layoutDir, dir]);
    const layer = single.layers[1];
    if (!layer) throw new Error("fixture");
    const path = join(dir, "blobs/sha256", hexOf(layer.descriptor.digest));
    const bytes = readFileSync(path);
    bytes[600] = (bytes[600] ?? 0) ^ 1;
    writeFileSync(path, bytes);
    const file = join(temp.path, "corrupt.tar");
    writeFileSync(file, tarDirectory(dir));
    const image = await openOciArchiveImage(file, "v1", amd64);
    const [, second] = await image.layers();
    if (!second) throw new Error("no layer");
    const error = await collect(second.blob()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "OCI_DIGEST_MISMATCH" });
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toContain(layer.descriptor.digest);
  });

  it("names a blob the archive lacks", async () => {
    const dir = join(temp.path, "missing");
    run("cp", ["-a", layoutDir, dir]);
    rmSync(join(dir, "blobs/sha256", hexOf(single.config.digest)));
    const file = join(temp.path, "missing.tar");
    writeFileSync(file, tarDirectory(dir));
    const image = await openOciArchiveImage(file, "v1", amd64);
    await expect(image.config()).rejects.toMatchObject({
      code: "OCI_BAD_ARCHIVE",
      message: expect.stringContaining(single.config.digest),
    });
  });

  it("refuses a docker save archive, pointing to docker-archive:", async () => {
    const file = join(temp.path, "docker.tar");
    const dir = join(temp.path, "dockerlike");
    run("mkdir", ["-p", dir]);
    writeFileSync(join(dir, "manifest.json"), "[]");
    writeFileSync(file, tarDirectory(dir));
    await expect(openOciArchiveImage(file, undefined, amd64)).rejects.toMatchObject({
      code: "OCI_BAD_ARCHIVE",
      message: expect.stringContaining(`docker-archive:${file}`),
    });
  });
});
