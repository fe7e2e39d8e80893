/**
 * The image builder, checked by independent tools: GNU tar lists each layer as described (types,
 * modes, owners, links, whiteouts), digests and diff_ids are those of the bytes, skopeo reads the
 * layouts and copies them to a registry and back with every digest intact (two-platform indexes
 * too, OCI and Docker media types), and the same spec gives the same bytes.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BuiltImage, FilesLayerSpec, ImageSpec, IndexSpec, LayerSpec } from "./image-spec.js";
import { buildLayout, REF_NAME_ANNOTATION } from "./layout-builder.js";
import { startRegistry, type TestRegistry } from "./registry.js";
import { copyLayoutToRegistry, inspectWithSkopeo } from "./skopeo.js";

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const sha256 = (bytes: Uint8Array) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

/** `tar -tv` of a blob (GNU tar detects gzip and zstd), one line per entry, spaces collapsed. */
async function listBlob(layoutDir: string, digest: string): Promise<string[]> {
  const { stdout } = await run("tar", ["--utc", "--numeric-owner", "-tvf", blobPath(layoutDir, digest)]);
  return stdout
    .trim()
    .split("\n")
    .map((line) => line.replace(/\s+/g, " "));
}

const blobPath = (layoutDir: string, digest: string) =>
  join(layoutDir, "blobs", "sha256", digest.slice("sha256:".length));

/** The uncompressed tar of a blob. */
async function uncompressed(layoutDir: string, digest: string): Promise<Buffer> {
  const bytes = await readFile(blobPath(layoutDir, digest));
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return gunzipSync(bytes);
  if (bytes.readUInt32LE(0) === 0xfd2fb528) {
    const { stdout } = await run("zstd", ["-dc", blobPath(layoutDir, digest)], {
      encoding: "buffer",
      maxBuffer: 1 << 30,
    });
    return stdout;
  }
  return bytes;
}

const T = "2023-11-14 22:13";
const LONG_DIR = `very/${"long-directory-name/".repeat(6)}`.slice(0, -1);

const baseLayer: FilesLayerSpec = {
  files: [
    { path: "/etc/hostname", contents: "box\n" },
    { path: "bin/busybox", contents: "#!busybox", mode: 0o755 },
    { path: "bin/sh", type: "symlink", linkTarget: "busybox" },
    { path: "bin/ls", type: "hardlink", linkTarget: "bin/busybox" },
    { path: "bin/su", contents: "su", mode: 0o4755 },
    { path: "home/user", type: "dir", uid: 1000, gid: 1000, mode: 0o700 },
    { path: "home/user/.profile", contents: "PS1='$ '\n", uid: 1000, gid: 1000, mode: 0o600 },
    { path: "run/initctl", type: "fifo", mode: 0o600 },
    { path: "tmp", type: "dir", mode: 0o1777 },
    { path: `${LONG_DIR}/file.txt`, contents: "long" },
    { path: "big-ids", uid: 3_000_000, gid: 4_000_000 },
    { path: "dated", contents: "old", mtime: 0 },
    { path: "abs-link", type: "symlink", linkTarget: "/etc/hostname" },
  ],
};

const baseListing = [
  `-rw-r--r-- 0/0 0 ${T} abs-link -> /etc/hostname`.replace("-rw-r--r--", "lrwxrwxrwx"),
  `-rw-r--r-- 3000000/4000000 0 ${T} big-ids`,
  `drwxr-xr-x 0/0 0 ${T} bin/`,
  `-rwxr-xr-x 0/0 9 ${T} bin/busybox`,
  `hrwxr-xr-x 0/0 0 ${T} bin/ls link to bin/busybox`,
  `lrwxrwxrwx 0/0 0 ${T} bin/sh -> busybox`,
  `-rwsr-xr-x 0/0 2 ${T} bin/su`,
  "-rw-r--r-- 0/0 3 1970-01-01 00:00 dated",
  `drwxr-xr-x 0/0 0 ${T} etc/`,
  `-rw-r--r-- 0/0 4 ${T} etc/hostname`,
  `drwxr-xr-x 0/0 0 ${T} home/`,
  `drwx------ 1000/1000 0 ${T} home/user/`,
  `-rw------- 1000/1000 9 ${T} home/user/.profile`,
  `drwxr-xr-x 0/0 0 ${T} run/`,
  `prw------- 0/0 0 ${T} run/initctl`,
  `drwxrwxrwt 0/0 0 ${T} tmp/`,
  ...LONG_DIR.split("/").map((_, i, parts) => `drwxr-xr-x 0/0 0 ${T} ${parts.slice(0, i + 1).join("/")}/`),
  `-rw-r--r-- 0/0 4 ${T} ${LONG_DIR}/file.txt`,
];

const upperLayer: FilesLayerSpec = {
  compression: "zstd",
  files: [
    { path: "etc/hostname", contents: "replaced\n" },
    { path: "bin/su", type: "whiteout" },
    { path: "home/user", type: "opaqueWhiteout" },
    { path: "home/user/new", contents: "new\n", uid: 1000, gid: 1000 },
  ],
};

const upperListing = [
  `drwxr-xr-x 0/0 0 ${T} bin/`,
  `-rw-r--r-- 0/0 0 ${T} bin/.wh.su`,
  `drwxr-xr-x 0/0 0 ${T} etc/`,
  `-rw-r--r-- 0/0 9 ${T} etc/hostname`,
  `drwxr-xr-x 0/0 0 ${T} home/`,
  `drwxr-xr-x 0/0 0 ${T} home/user/`,
  `-rw-r--r-- 0/0 0 ${T} home/user/.wh..wh..opq`,
  `-rw-r--r-- 1000/1000 4 ${T} home/user/new`,
];

const plainLayer: LayerSpec = {
  compression: "none",
  files: [{ path: "data/random", contents: { sizeBytes: 100_000 } }],
};

const richImage: ImageSpec = {
  name: "rich:v1",
  layers: [baseLayer, upperLayer, plainLayer],
  config: {
    Cmd: ["/bin/sh"],
    Env: ["PATH=/bin"],
    Labels: { "org.example": "yes" },
    WorkingDir: "/home/user",
  },
};

describe("buildLayout", { timeout: 30_000 }, () => {
  let dir: string;
  let rich: BuiltImage;
  let registry: TestRegistry;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ocikit-layout-test-"));
    registry = await startRegistry();
    rich = (await buildLayout({ dir: join(dir, "rich"), images: [richImage] })).image("rich:v1");
  });
  afterAll(async () => {
    await registry?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("writes every kind of entry as described, as GNU tar lists it", async () => {
    const [base, upper] = rich.manifests[0]?.layers ?? [];
    expect(await listBlob(join(dir, "rich"), base?.digest ?? "")).toEqual(baseListing);
    expect(await listBlob(join(dir, "rich"), upper?.digest ?? "")).toEqual(upperListing);
  });

  it("gives layers the media type of their compression", () => {
    expect(rich.manifests[0]?.layers.map((layer) => layer.mediaType)).toEqual([
      "application/vnd.oci.image.layer.v1.tar+gzip",
      "application/vnd.oci.image.layer.v1.tar+zstd",
      "application/vnd.oci.image.layer.v1.tar",
    ]);
  });

  it("records digests, sizes and diff_ids of the actual bytes", async () => {
    const layoutDir = join(dir, "rich");
    const manifest = rich.manifests[0];
    const manifestBytes = await readFile(blobPath(layoutDir, rich.digest));
    expect(sha256(manifestBytes)).toBe(rich.digest);
    expect(manifestBytes.length).toBe(rich.size);
    const configBytes = await readFile(blobPath(layoutDir, manifest?.config.digest ?? ""));
    expect(sha256(configBytes)).toBe(manifest?.config.digest);
    const config = JSON.parse(configBytes.toString());
    for (const [index, layer] of (manifest?.layers ?? []).entries()) {
      const blob = await readFile(blobPath(layoutDir, layer.digest));
      expect(sha256(blob)).toBe(layer.digest);
      expect(blob.length).toBe(layer.size);
      const tar = await uncompressed(layoutDir, layer.digest);
      expect(sha256(tar)).toBe(layer.diffId);
      expect(tar.length).toBe(layer.uncompressedSize);
      expect(config.rootfs.diff_ids[index]).toBe(layer.diffId);
    }
    expect(manifest?.layers[2]?.digest).toBe(manifest?.layers[2]?.diffId); // uncompressed
    expect(config).toMatchObject({ architecture: "amd64", os: "linux", config: richImage.config });
    expect(config.history).toHaveLength(3);
  });

  it("names the image in index.json with org.opencontainers.image.ref.name", async () => {
    const index = JSON.parse(await readFile(join(dir, "rich", "index.json"), "utf8"));
    expect(index.manifests).toEqual([
      {
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        digest: rich.digest,
        size: rich.size,
        annotations: { [REF_NAME_ANNOTATION]: "rich:v1" },
      },
    ]);
    expect(JSON.parse(await readFile(join(dir, "rich", "oci-layout"), "utf8"))).toEqual({
      imageLayoutVersion: "1.0.0",
    });
  });

  it("passes skopeo inspect oci:DIR:REF", async () => {
    const reference = `oci:${join(dir, "rich")}:rich:v1`;
    const info = JSON.parse(await inspectWithSkopeo(reference));
    expect(info.Digest).toBe(rich.digest);
    expect(info.Layers).toEqual(rich.manifests[0]?.layers.map((layer) => layer.digest));
    expect(info.Labels).toEqual({ "org.example": "yes" });
    const config = JSON.parse(await inspectWithSkopeo(reference, { config: true }));
    expect(config.rootfs.diff_ids).toEqual(rich.manifests[0]?.layers.map((layer) => layer.diffId));
  });

  it("copies to the registry with skopeo, digests preserved", async () => {
    const pushed = await copyLayoutToRegistry(join(dir, "rich"), "rich:v1", registry, {
      destination: "rich/image:v1",
    });
    expect(pushed).toEqual({ reference: `${registry.host}/rich/image:v1`, digest: rich.digest });
    const raw = await inspectWithSkopeo(`docker://${pushed.reference}`, { raw: true });
    expect(sha256(Buffer.from(raw))).toBe(rich.digest);
  });

  it("gives the same bytes for the same spec", async () => {
    const again = (await buildLayout({ dir: join(dir, "rich-again"), images: [richImage] })).image("rich:v1");
    expect(again).toEqual(rich);
  });

  it("stores a layer shared by two images once, and keeps images already in the layout", async () => {
    const layoutDir = join(dir, "shared");
    const shared: LayerSpec = {
      files: [{ path: "shared/lib", contents: { sizeBytes: 10_000, seed: "lib" } }],
    };
    const first = await buildLayout({
      dir: layoutDir,
      images: [
        { name: "one", layers: [shared, { files: [{ path: "one" }] }] },
        { name: "two", layers: [shared, { files: [{ path: "two" }] }] },
      ],
    });
    expect(first.image("one").manifests[0]?.layers[0]).toEqual(first.image("two").manifests[0]?.layers[0]);
    // 1 shared + 2 own layers, 2 configs, 2 manifests
    expect(await readdir(join(layoutDir, "blobs", "sha256"))).toHaveLength(7);
    await buildLayout({ dir: layoutDir, images: [{ name: "three", layers: [shared] }] });
    const index = JSON.parse(await readFile(join(layoutDir, "index.json"), "utf8"));
    expect(
      index.manifests.map(
        (entry: { annotations: Record<string, string> }) => entry.annotations[REF_NAME_ANNOTATION],
      ),
    ).toEqual(["one", "two", "three"]);
    expect((await readdir(layoutDir)).filter((name) => name.startsWith(".build-"))).toEqual([]);
  });

  it.each(["pax", "gnu", "ustar"] as const)(
    "writes %s tar archives GNU tar lists alike",
    async (tarFormat) => {
      const layoutDir = join(dir, `format-${tarFormat}`);
      const layout = await buildLayout({
        dir: layoutDir,
        images: [
          { name: "f", layers: [{ tarFormat, files: [{ path: `${LONG_DIR}/file.txt`, contents: "long" }] }] },
        ],
      });
      const listing = await listBlob(layoutDir, layout.image("f").manifests[0]?.layers[0]?.digest ?? "");
      expect(listing.at(-1)).toBe(`-rw-r--r-- 0/0 4 ${T} ${LONG_DIR}/file.txt`);
    },
  );

  it("makes incompressible, reproducible generated contents", async () => {
    const layoutDir = join(dir, "generated");
    const layer = (seed: string): LayerSpec => ({
      files: [{ path: "blob", contents: { sizeBytes: 1_000_000, seed } }],
    });
    const layout = await buildLayout({
      dir: layoutDir,
      images: [
        { name: "a", layers: [layer("x")] },
        { name: "b", layers: [layer("y")] },
      ],
    });
    const a = layout.image("a").manifests[0]?.layers[0];
    expect(a?.size).toBeGreaterThan(1_000_000);
    expect(a?.digest).not.toBe(layout.image("b").manifests[0]?.layers[0]?.digest);
    const again = await buildLayout({
      dir: join(dir, "generated-again"),
      images: [{ name: "a", layers: [layer("x")] }],
    });
    expect(again.image("a").manifests[0]?.layers[0]?.digest).toBe(a?.digest);
  });

  it("archives a directory on disk, owned by root", async () => {
    const tree = join(dir, "tree");
    await mkdir(join(tree, "usr", "lib"), { recursive: true });
    await writeFile(join(tree, "usr", "lib", "libx.so"), "elf");
    const layoutDir = join(dir, "from-directory");
    const layout = await buildLayout({
      dir: layoutDir,
      images: [{ name: "d", layers: [{ directory: tree }] }],
    });
    expect(await listBlob(layoutDir, layout.image("d").manifests[0]?.layers[0]?.digest ?? "")).toEqual([
      `drwxr-xr-x 0/0 0 ${T} usr/`,
      `drwxr-xr-x 0/0 0 ${T} usr/lib/`,
      `-rw-r--r-- 0/0 3 ${T} usr/lib/libx.so`,
    ]);
  });

  it(isRoot ? "writes device nodes (as root)" : "refuses device nodes when not root", async () => {
    const layoutDir = join(dir, "devices");
    const build = buildLayout({
      dir: layoutDir,
      images: [
        {
          name: "dev",
          layers: [
            {
              files: [
                { path: "dev/null", type: "char", devMajor: 1, devMinor: 3, mode: 0o666 },
                { path: "dev/sda", type: "block", devMajor: 8, devMinor: 0, mode: 0o660, gid: 6 },
              ],
            },
          ],
        },
      ],
    });
    if (!isRoot) return expect(build).rejects.toMatchObject({ code: "TEST_REGISTRY_BAD_IMAGE_SPEC" });
    const layout = await build;
    expect(await listBlob(layoutDir, layout.image("dev").manifests[0]?.layers[0]?.digest ?? "")).toEqual([
      `drwxr-xr-x 0/0 0 ${T} dev/`,
      `crw-rw-rw- 0/0 1,3 ${T} dev/null`,
      `brw-rw---- 0/6 8,0 ${T} dev/sda`,
    ]);
  });

  it.each<[string, (ImageSpec | IndexSpec)[]]>([
    ["a path with ..", [{ name: "x", layers: [{ files: [{ path: "../etc/passwd" }] }] }]],
    ["an empty path", [{ name: "x", layers: [{ files: [{ path: "/" }] }] }]],
    ["a path listed twice", [{ name: "x", layers: [{ files: [{ path: "a" }, { path: "/a" }] }] }]],
    [
      "a hardlink to nothing",
      [{ name: "x", layers: [{ files: [{ path: "a", type: "hardlink", linkTarget: "b" }] }] }],
    ],
    [
      "a hardlink to a directory",
      [
        {
          name: "x",
          layers: [
            {
              files: [
                { path: "d", type: "dir" },
                { path: "a", type: "hardlink", linkTarget: "d" },
              ],
            },
          ],
        },
      ],
    ],
    [
      "a hardlink separated from its target by another owner's directory",
      [
        {
          name: "x",
          layers: [
            {
              files: [
                { path: "b/target" },
                { path: "c", type: "dir", uid: 1000 },
                { path: "c/link", type: "hardlink", linkTarget: "b/target" },
              ],
            },
          ],
        },
      ],
    ],
    ["a symlink without target", [{ name: "x", layers: [{ files: [{ path: "a", type: "symlink" }] }] }]],
    [
      "two images with one name",
      [
        { name: "x", layers: [] },
        { name: "x", layers: [] },
      ],
    ],
    ["an empty index", [{ name: "x", manifests: [] }]],
    ["an index with a platform twice", [{ name: "x", manifests: [{ layers: [] }, { layers: [] }] }]],
    [
      "zstd with Docker media types",
      [{ name: "x", mediaTypes: "docker", layers: [{ compression: "zstd", files: [{ path: "a" }] }] }],
    ],
  ])("refuses %s", async (_name, images) => {
    const layoutDir = join(dir, "refused");
    await expect(buildLayout({ dir: layoutDir, images })).rejects.toMatchObject({
      code: "TEST_REGISTRY_BAD_IMAGE_SPEC",
    });
    await rm(layoutDir, { recursive: true, force: true });
  });
});

describe("multi-platform images", { timeout: 30_000 }, () => {
  let dir: string;
  let registry: TestRegistry;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ocikit-index-test-"));
    registry = await startRegistry({ auth: "basic" });
  });
  afterAll(async () => {
    await registry?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const common: LayerSpec = { files: [{ path: "etc/os-release", contents: "ID=test\n" }] };
  const platformImage = (architecture: string, variant?: string) => ({
    platform: { os: "linux", architecture, ...(variant ? { variant } : {}) },
    layers: [common, { files: [{ path: "bin/arch", contents: `${architecture}\n`, mode: 0o755 }] }],
    config: { Cmd: ["/bin/arch"] },
  });

  it.each([
    ["oci", "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json"],
    [
      "docker",
      "application/vnd.docker.distribution.manifest.list.v2+json",
      "application/vnd.docker.distribution.manifest.v2+json",
    ],
  ] as const)(
    "a two-platform %s index survives the round trip through the registry",
    async (mediaTypes, indexType, manifestType) => {
      const layoutDir = join(dir, mediaTypes);
      const spec: IndexSpec = {
        name: "multi:v1",
        mediaTypes,
        manifests: [platformImage("amd64"), platformImage("arm64", "v8")],
      };
      const image = (await buildLayout({ dir: layoutDir, images: [spec] })).image("multi:v1");
      expect(image.mediaType).toBe(indexType);
      const [amd64, arm64] = image.manifests;
      expect(amd64?.layers[0]).toEqual(arm64?.layers[0]); // the shared layer
      expect(amd64?.layers[1]?.digest).not.toBe(arm64?.layers[1]?.digest);

      // skopeo 1.9 reads only OCI media types from a layout (skopeo.ts); read Docker's directly.
      const localIndex = JSON.parse(
        mediaTypes === "oci"
          ? await inspectWithSkopeo(`oci:${layoutDir}:multi:v1`, { raw: true })
          : await readFile(blobPath(layoutDir, image.digest), "utf8"),
      );
      expect(localIndex).toMatchObject({ schemaVersion: 2, mediaType: indexType });
      expect(localIndex.manifests).toEqual([
        {
          mediaType: manifestType,
          digest: amd64?.digest,
          size: amd64?.size,
          platform: { architecture: "amd64", os: "linux" },
        },
        {
          mediaType: manifestType,
          digest: arm64?.digest,
          size: arm64?.size,
          platform: { architecture: "arm64", os: "linux", variant: "v8" },
        },
      ]);

      const pushed = await copyLayoutToRegistry(layoutDir, "multi:v1", registry, {
        destination: `multi/${mediaTypes}:v1`,
      });
      expect(pushed.digest).toBe(image.digest);
      const remote = `docker://${pushed.reference}`;
      expect(sha256(Buffer.from(await inspectWithSkopeo(remote, { registry, raw: true })))).toBe(
        image.digest,
      );
      const { stdout } = await run("skopeo", [
        "--override-arch=arm64",
        "--override-variant=v8",
        "inspect",
        "--tls-verify=false",
        `--creds=${registry.username}:${registry.password}`,
        remote,
      ]);
      const arm = JSON.parse(stdout);
      expect(arm.Architecture).toBe("arm64");
      expect(arm.Layers).toEqual(arm64?.layers.map((layer) => layer.digest));

      // And back to disk: the same index, byte for byte. skopeo cannot write a Docker list into an
      // OCI layout without converting it, so Docker's come back in skopeo's dir: format.
      const back = join(dir, `${mediaTypes}-back`);
      await run("skopeo", [
        "--insecure-policy",
        "copy",
        "--quiet",
        "--all",
        "--preserve-digests",
        "--src-tls-verify=false",
        `--src-creds=${registry.username}:${registry.password}`,
        remote,
        mediaTypes === "oci" ? `oci:${back}:multi:v1` : `dir:${back}`,
      ]);
      const backBlob = (digest: string) =>
        mediaTypes === "oci" ? blobPath(back, digest) : join(back, digest.slice("sha256:".length));
      if (mediaTypes === "oci") {
        expect(JSON.parse(readFileSync(join(back, "index.json"), "utf8")).manifests[0].digest).toBe(
          image.digest,
        );
        expect(sha256(await readFile(backBlob(image.digest)))).toBe(image.digest);
      } else {
        expect(sha256(await readFile(join(back, "manifest.json")))).toBe(image.digest);
      }
      for (const manifest of image.manifests) {
        for (const layer of manifest.layers)
          expect(sha256(await readFile(backBlob(layer.digest)))).toBe(layer.digest);
      }
    },
  );

  it("pushes a single-platform image with Docker media types", async () => {
    const layoutDir = join(dir, "docker-single");
    const image = (
      await buildLayout({
        dir: layoutDir,
        images: [{ name: "d", mediaTypes: "docker", ...platformImage("arm64", "v8") }],
      })
    ).image("d");
    expect(image.mediaType).toBe("application/vnd.docker.distribution.manifest.v2+json");
    const manifest = JSON.parse(await readFile(blobPath(layoutDir, image.digest), "utf8"));
    expect(manifest.config.mediaType).toBe("application/vnd.docker.container.image.v1+json");
    expect(manifest.layers[0].mediaType).toBe("application/vnd.docker.image.rootfs.diff.tar.gzip");
    const pushed = await copyLayoutToRegistry(layoutDir, "d", registry);
    expect(pushed).toEqual({ reference: `${registry.host}/d:latest`, digest: image.digest });
    const info = JSON.parse(await inspectWithSkopeo(`docker://${pushed.reference}`, { registry }));
    expect(info).toMatchObject({ Digest: image.digest, Architecture: "arm64" });
    const config = JSON.parse(
      await inspectWithSkopeo(`docker://${pushed.reference}`, { registry, config: true }),
    );
    expect(config).toMatchObject({ architecture: "arm64", variant: "v8", config: { Cmd: ["/bin/arch"] } });
  });
});
