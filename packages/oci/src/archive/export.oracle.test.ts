// Oracle: archives exportImage writes, read by skopeo (docker-archive:, oci-archive:, copied to an
// oci: layout) and GNU tar (the filesystem format). Needs skopeo and GNU tar.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RawImage } from "../image.js";
import { openLayoutImage } from "../image-source.js";
import { exportImage } from "./export.js";
import {
  type BuiltImage,
  collect,
  hexOf,
  newLayout,
  run,
  storeImage,
  tempDir,
} from "./test-support/archive-fixtures.js";

const amd64 = { os: "linux", architecture: "amd64" };

interface SkopeoInspect {
  Digest: string;
  RepoTags: string[];
  Architecture: string;
  Os: string;
  Layers: string[];
}

const inspect = (ref: string): SkopeoInspect => JSON.parse(run("skopeo", ["inspect", ref]).toString());
const layoutManifest = (dir: string) => {
  const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8"));
  const digest: string = index.manifests[0].digest;
  return { digest, manifest: JSON.parse(readFileSync(join(dir, "blobs/sha256", hexOf(digest)), "utf8")) };
};

describe("skopeo and GNU tar read what exportImage writes", () => {
  const temp = tempDir();
  let built: BuiltImage;
  let image: RawImage;
  const file = (name: string) => join(temp.path, name);

  beforeAll(async () => {
    const store = await newLayout(file("layout"));
    built = await storeImage(store, temp.path, {
      name: "v1",
      layers: [
        {
          files: {
            etc: null,
            "etc/hostname": "box\n",
            "etc/passwd": "root:x:0:0\n",
            "usr/bin/app": "#!/bin/sh\n",
          },
        },
        {
          files: { "etc/.wh.hostname": "", "usr/bin/.wh..wh..opq": "", "usr/bin/new": "new\n" },
          compression: "zstd",
        },
        { files: { "var/log/app.log": "log\n" }, compression: "none" },
      ],
    });
    image = await openLayoutImage(file("layout"), "v1", amd64);
    writeFileSync(
      file("docker.tar"),
      await collect(exportImage(image, "docker", { name: "example.com/app:1" })),
    );
    writeFileSync(file("oci.tar"), await collect(exportImage(image, "oci", { name: "example.com/app:1" })));
    writeFileSync(file("fs.tar"), await collect(exportImage(image, "filesystem")));
  });
  afterAll(() => temp.remove());

  it("docker: skopeo inspects it, and copies it to an oci: layout with the config's layer digests", () => {
    const info = inspect(`docker-archive:${file("docker.tar")}`);
    expect(info).toMatchObject({ RepoTags: [], Architecture: "amd64", Os: "linux" });
    // containers/image presents docker-archive layers uncompressed, by their diff_ids.
    expect(info.Layers).toEqual(built.layers.map((l) => l.diffId));
    run("skopeo", [
      "copy",
      "-q",
      "--preserve-digests",
      `docker-archive:${file("docker.tar")}:example.com/app:1`,
      `oci:${file("from-docker")}:copy`,
    ]);
    const { manifest } = layoutManifest(file("from-docker"));
    expect(manifest.layers.map((l: { digest: string }) => l.digest)).toEqual(
      built.layers.map((l) => l.diffId),
    );
    expect(manifest.config.digest).toBe(built.config.digest);
  });

  it("oci: skopeo inspects it by its name, and copies it to an oci: layout with the same digests", () => {
    for (const ref of [
      `oci-archive:${file("oci.tar")}`,
      `oci-archive:${file("oci.tar")}:example.com/app:1`,
    ]) {
      const info = inspect(ref);
      expect(info.Digest).toBe(built.descriptor.digest);
      expect(info.Layers).toEqual(built.layers.map((l) => l.descriptor.digest));
    }
    run("skopeo", [
      "copy",
      "-q",
      "--preserve-digests",
      `oci-archive:${file("oci.tar")}`,
      `oci:${file("from-oci")}:copy`,
    ]);
    const { digest, manifest } = layoutManifest(file("from-oci"));
    expect(digest).toBe(built.descriptor.digest);
    expect(manifest.layers.map((l: { digest: string }) => l.digest)).toEqual(
      built.layers.map((l) => l.descriptor.digest),
    );
  });

  it("filesystem: GNU tar lists the flattened tree, whiteouts and the opaque directory applied", () => {
    const lines = run("tar", ["-tvf", file("fs.tar"), "--numeric-owner"])
      .toString()
      .trim()
      .split("\n");
    const paths = lines.map((line) => line.split(/\s+/).slice(5).join(" ")).sort();
    expect(paths).toEqual([
      "./",
      "etc/",
      "etc/passwd",
      "usr/",
      "usr/bin/",
      "usr/bin/new",
      "var/",
      "var/log/",
      "var/log/app.log",
    ]);
    expect(lines.join("\n")).not.toMatch(/hostname|\.wh\.|app$/);
    expect(run("tar", ["-xOf", file("fs.tar"), "usr/bin/new"]).toString()).toBe("new\n");
  });
});
