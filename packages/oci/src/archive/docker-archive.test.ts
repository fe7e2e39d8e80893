import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flattenImage } from "../flatten.js";
import { MediaType } from "../media-types.js";
import { openDockerArchiveImage, selectDockerEntry, synthesizeManifest } from "./docker-archive.js";
import {
  type BuiltLayer,
  buildLayer,
  collect,
  dockerSaveTar,
  hexOf,
  listing,
  sha256,
  tempDir,
} from "./test-support/archive-fixtures.js";

const amd64 = { os: "linux", architecture: "amd64" };

function configOf(layers: readonly BuiltLayer[], architecture = "amd64"): Buffer {
  return Buffer.from(
    JSON.stringify({
      architecture,
      os: "linux",
      config: { Cmd: ["/bin/sh"] },
      rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
    }),
  );
}

describe("openDockerArchiveImage", () => {
  const temp = tempDir();
  let base: BuiltLayer;
  let top: BuiltLayer;
  let gzipped: BuiltLayer;
  const file = (name: string) => join(temp.path, name);

  beforeAll(() => {
    base = buildLayer(temp.path, {
      files: { etc: null, "etc/os-release": "ID=test\n", "bin/sh": "sh" },
      compression: "none",
    });
    top = buildLayer(temp.path, {
      files: { "etc/.wh.os-release": "", "etc/motd": "hi\n" },
      compression: "none",
    });
    gzipped = buildLayer(temp.path, { files: { "usr/bin/tool": "tool" }, compression: "gzip" });
    const legacyConfig = configOf([base, top]);
    const otherConfig = configOf([base], "arm64");
    // Docker ≤ 24: <id>/layer.tar, a second image sharing a layer through a symlink, as docker save does.
    writeFileSync(
      file("legacy.tar"),
      dockerSaveTar(temp.path, {
        [`${hexOf(sha256(legacyConfig))}.json`]: legacyConfig,
        [`${hexOf(sha256(otherConfig))}.json`]: otherConfig,
        "aaaa/layer.tar": base.tar,
        "aaaa/json": "{}",
        "aaaa/VERSION": "1.0",
        "bbbb/layer.tar": top.tar,
        "cccc/layer.tar": { symlink: "../aaaa/layer.tar" },
        repositories: "{}",
        "manifest.json": JSON.stringify([
          {
            Config: `${hexOf(sha256(legacyConfig))}.json`,
            RepoTags: ["test/legacy:1", "test/legacy:latest"],
            Layers: ["aaaa/layer.tar", "bbbb/layer.tar"],
          },
          { Config: `${hexOf(sha256(otherConfig))}.json`, RepoTags: null, Layers: ["cccc/layer.tar"] },
        ]),
      }),
    );
    // Docker 25+: blobs/sha256 (an OCI layout beside manifest.json), here with a gzip layer.
    const newConfig = configOf([base, gzipped]);
    writeFileSync(
      file("docker25.tar"),
      dockerSaveTar(temp.path, {
        [`blobs/sha256/${hexOf(sha256(newConfig))}`]: newConfig,
        [`blobs/sha256/${hexOf(base.descriptor.digest)}`]: base.blob,
        [`blobs/sha256/${hexOf(gzipped.descriptor.digest)}`]: gzipped.blob,
        "oci-layout": '{"imageLayoutVersion":"1.0.0"}',
        "index.json": '{"schemaVersion":2,"manifests":[]}',
        "manifest.json": JSON.stringify([
          {
            Config: `blobs/sha256/${hexOf(sha256(newConfig))}`,
            RepoTags: ["alpine:3.20"],
            Layers: [
              `blobs/sha256/${hexOf(base.descriptor.digest)}`,
              `blobs/sha256/${hexOf(gzipped.descriptor.digest)}`,
            ],
          },
        ]),
      }),
    );
  });
  afterAll(() => temp.remove());

  it("reads a legacy docker save: layers hashed as stored, whiteouts applied when flattened", async () => {
    const image = await openDockerArchiveImage(file("legacy.tar"), "test/legacy:1", amd64);
    const manifest = await image.manifest();
    expect(manifest.mediaType).toBe(MediaType.ociManifest);
    expect(manifest.layers).toEqual([
      { mediaType: MediaType.ociLayer, digest: base.diffId, size: base.tar.length },
      { mediaType: MediaType.ociLayer, digest: top.diffId, size: top.tar.length },
    ]);
    expect(image.digest).toBe(sha256(await image.rawManifest()));
    expect(image.platform).toEqual(amd64);
    expect((await image.config()).config?.Cmd).toEqual(["/bin/sh"]);
    expect(await listing(flattenImage(image))).toEqual([
      ". dir 755 0:0 0",
      "bin dir 755 0:0 0",
      `bin/sh file 644 0:0 2 ${hexOf(sha256(Buffer.from("sh"))).slice(0, 12)}`,
      "etc dir 755 0:0 0",
      "etc/motd file 644 0:0 3 98ea6e4f216f",
    ]);
  });

  it("reads a Docker 25+ save through manifest.json, sniffing a gzip layer", async () => {
    const image = await openDockerArchiveImage(file("docker25.tar"), undefined, amd64);
    expect((await image.manifest()).layers.map((l) => [l.mediaType, l.digest])).toEqual([
      [MediaType.ociLayer, base.descriptor.digest],
      [MediaType.ociLayerGzip, gzipped.descriptor.digest],
    ]);
    expect((await listing(flattenImage(image))).join("\n")).toContain("usr/bin/tool file");
    expect(image.ref).toBe(`docker-archive:${file("docker25.tar")}`);
  });

  it.each([
    ["a RepoTag as written", "test/legacy:latest", 0],
    ["a RepoTag normalised", "docker.io/test/legacy:1", 0],
    ["a position", "@1", 1],
  ])("selects by %s", async (_name, selector, want) => {
    const entries = [
      { Config: "a", RepoTags: ["test/legacy:1", "test/legacy:latest"], Layers: [] },
      { Config: "b", RepoTags: null, Layers: [] },
    ];
    expect(selectDockerEntry(entries, selector, "x")).toBe(entries[want]);
  });

  it("opens the untagged image by position, with its own platform", async () => {
    const image = await openDockerArchiveImage(file("legacy.tar"), "@1", {
      os: "linux",
      architecture: "arm64",
    });
    expect((await image.manifest()).layers[0]?.digest).toBe(base.diffId);
  });

  it.each([
    [
      "no selector for two images",
      "legacy.tar",
      undefined,
      amd64,
      "OCI_NOT_FOUND",
      /2 images.*test\/legacy:1.*@1/,
    ],
    ["an unknown tag", "legacy.tar", "test/legacy:2", amd64, "OCI_NOT_FOUND", /no image "test\/legacy:2"/],
    [
      "another platform",
      "legacy.tar",
      "@1",
      amd64,
      "OCI_PLATFORM_NOT_FOUND",
      /linux\/arm64, not linux\/amd64/,
    ],
    ["a missing archive", "nope.tar", undefined, amd64, "OCI_NOT_FOUND", /nope\.tar/],
  ])("refuses %s", async (_name, archive, selector, platform, code, message) => {
    const error = await openDockerArchiveImage(file(archive), selector, platform).catch((e: unknown) => e);
    expect(error).toMatchObject({ code });
    expect((error as Error).message).toMatch(message);
  });

  it.each([
    [
      "a missing layer file",
      { Layers: ["zzzz/layer.tar"] },
      /"zzzz\/layer.tar", which is not in the archive/,
    ],
    ["a diff_id that does not match", { swap: true }, /diff_id/],
    ["a layer count that does not match", { Layers: [] }, /lists 1 layers/],
  ])("refuses an archive with %s", async (name, change, message) => {
    const config = configOf(["swap" in change ? top : base]);
    const archive = file(`${name.replaceAll(" ", "-")}.tar`);
    writeFileSync(
      archive,
      dockerSaveTar(temp.path, {
        "c.json": config,
        "l/layer.tar": base.tar,
        "manifest.json": JSON.stringify([
          { Config: "c.json", RepoTags: [], Layers: ["l/layer.tar"], ...change },
        ]),
      }),
    );
    const error = await openDockerArchiveImage(archive, undefined, amd64).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "OCI_BAD_ARCHIVE" });
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(archive);
  });

  it("verifies layer bytes against the digest computed when it was opened", async () => {
    const image = await openDockerArchiveImage(file("legacy.tar"), "test/legacy:1", amd64);
    const [layer] = await image.layers();
    if (!layer) throw new Error("no layer");
    expect(sha256(await collect(layer.blob()))).toBe(base.diffId);
  });

  it("trusts a blobs/sha256 name only until the layer is read: a wrong one fails then", async () => {
    const config = configOf([base]);
    const wrong = `blobs/sha256/${hexOf(top.diffId)}`;
    const archive = file("misnamed.tar");
    writeFileSync(
      archive,
      dockerSaveTar(temp.path, {
        "c.json": config,
        [wrong]: base.tar,
        "manifest.json": JSON.stringify([{ Config: "c.json", RepoTags: [], Layers: [wrong] }]),
      }),
    );
    // The diff_id check cannot catch it either: the name is what the digest is taken from.
    const error = await openDockerArchiveImage(archive, undefined, amd64).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "OCI_BAD_ARCHIVE", message: expect.stringMatching(/diff_id/) });
    // A compressed layer's name is checked when its bytes are read.
    const gzConfig = configOf([gzipped]);
    const gzArchive = file("misnamed-gz.tar");
    writeFileSync(
      gzArchive,
      dockerSaveTar(temp.path, {
        "c.json": gzConfig,
        [wrong]: gzipped.blob,
        "manifest.json": JSON.stringify([{ Config: "c.json", RepoTags: [], Layers: [wrong] }]),
      }),
    );
    const [layer] = await (await openDockerArchiveImage(gzArchive, undefined, amd64)).layers();
    if (!layer) throw new Error("no layer");
    await expect(collect(layer.blob())).rejects.toMatchObject({ code: "OCI_DIGEST_MISMATCH" });
  });

  it("synthesizes the same manifest for the same files", () => {
    const layers = [{ digest: base.diffId, size: 10, encoding: "none" as const }];
    const config = { digest: base.diffId, size: 3 };
    expect(synthesizeManifest(config, layers, "x").bytes).toEqual(
      synthesizeManifest(config, layers, "x").bytes,
    );
    expect(() =>
      synthesizeManifest(config, [{ ...layers[0], digest: base.diffId, size: 1, encoding: "xz" }], "x"),
    ).toThrow(expect.objectContaining({ code: "OCI_UNSUPPORTED_MEDIA_TYPE" }));
  });
});
