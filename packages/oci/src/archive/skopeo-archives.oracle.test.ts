// Oracle: archives skopeo writes (`skopeo copy oci:DIR:ref docker-archive:FILE:name:tag` and
// `oci-archive:FILE:ref`) open with our readers and give the same config and flattened tree, and
// import from a stream into a cache that `skopeo inspect oci:CACHE:NAME` reads. Needs skopeo.
import { createReadStream } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flattenImage } from "../flatten.js";
import type { RawImage } from "../image.js";
import { openLayoutImage } from "../image-source.js";
import { openDockerArchiveImage } from "./docker-archive.js";
import { importArchive } from "./import.js";
import { openOciArchiveImage } from "./oci-archive.js";
import {
  type BuiltImage,
  listing,
  newLayout,
  run,
  storeImage,
  tempDir,
} from "./test-support/archive-fixtures.js";

const amd64 = { os: "linux", architecture: "amd64" };

/** A file as standard input delivers it: 64 KiB pieces, no random access. */
function asStdin(path: string): AsyncIterable<Uint8Array> {
  return createReadStream(path, { highWaterMark: 1 << 16 });
}

describe("archives written by skopeo", () => {
  const temp = tempDir();
  const file = (name: string) => join(temp.path, name);
  let built: BuiltImage;
  let original: RawImage;
  let originalTree: string[];

  beforeAll(async () => {
    const store = await newLayout(file("layout"));
    built = await storeImage(store, temp.path, {
      name: "v1",
      layers: [
        {
          files: {
            etc: null,
            "etc/hostname": "box\n",
            "etc/motd": "hello\n",
            [`deep/${"n".repeat(120)}/f`]: "long",
          },
        },
        // skopeo cannot convert zstd layers to docker-archive: gzip and uncompressed ones here.
        { files: { "etc/.wh.hostname": "", "opt/tool": "tool\n" }, compression: "none" },
      ],
    });
    original = await openLayoutImage(file("layout"), "v1", amd64);
    originalTree = await listing(flattenImage(original));
    const from = `oci:${file("layout")}:v1`;
    run("skopeo", ["copy", "-q", from, `docker-archive:${file("docker.tar")}:foo/bar:tag`]);
    // --preserve-digests: otherwise skopeo gzips the uncompressed layer, and the manifest changes.
    run("skopeo", ["copy", "-q", "--preserve-digests", from, `oci-archive:${file("oci.tar")}:myref`]);
  });
  afterAll(() => temp.remove());

  it("docker-archive: same config bytes and flattened tree", async () => {
    for (const selector of [undefined, "foo/bar:tag", "docker.io/foo/bar:tag", "@0"]) {
      const image = await openDockerArchiveImage(file("docker.tar"), selector, amd64);
      expect(Buffer.from(await image.rawConfig()).equals(built.configBytes)).toBe(true);
      expect(await listing(flattenImage(image))).toEqual(originalTree);
    }
  });

  it("oci-archive: same manifest digest, config and flattened tree", async () => {
    const image = await openOciArchiveImage(file("oci.tar"), "myref", amd64);
    expect(image.digest).toBe(original.digest);
    expect(await image.config()).toEqual(await original.config());
    expect(await listing(flattenImage(image))).toEqual(originalTree);
  });

  it.each([
    ["docker-archive", "docker.tar", "docker.io/foo/bar:tag"],
    ["oci-archive", "oci.tar", "docker.io/library/myref:latest"],
  ])("imports skopeo's %s from a stream into a cache skopeo reads", async (_kind, archive, name) => {
    const cache = await newLayout(file(`cache-${archive}`));
    const { names } = await importArchive(asStdin(file(archive)), cache, { source: "standard input" });
    expect(names).toEqual([name]);
    const info = JSON.parse(run("skopeo", ["inspect", `oci:${cache.dir}:${name}`]).toString());
    expect(info.Digest).toBe((await cache.resolveName(name))?.digest);
    expect(info.Architecture).toBe("amd64");
    const imported = await openLayoutImage(cache.dir, name, amd64);
    expect(await listing(flattenImage(imported))).toEqual(originalTree);
  });
});
