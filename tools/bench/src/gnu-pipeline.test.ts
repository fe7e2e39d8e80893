import { execFileSync } from "node:child_process";
import { createReadStream } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGunzip } from "node:zlib";
import { buildLayout, type LayerSpec } from "@ocikit/test-registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GnuTreeSpec, gnuPipelineScript, shellQuote } from "./gnu-pipeline.js";
import { countNewc } from "./newc-count.js";

let dir: string;
let spec: GnuTreeSpec;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gnu-pipeline-"));
  const modules = join(dir, "modules");
  await mkdir(join(modules, "lib/modules/6.1.0-test/kernel"), { recursive: true });
  await writeFile(join(modules, "lib/modules/6.1.0-test/kernel/virtio.ko"), "module");
  const kernelTar = execFileSync("tar", ["-cf", "-", "-C", modules, "."]);
  const busybox: LayerSpec = {
    files: [
      { path: "bin/busybox", contents: "busybox", mode: 0o755 },
      { path: "bin/sh", type: "symlink", linkTarget: "/bin/busybox" },
    ],
  };
  const layout = await buildLayout({
    dir: join(dir, "layout"),
    images: [
      {
        name: "kernel",
        layers: [
          {
            files: [
              { path: "kernel", contents: "vmlinuz" },
              { path: "kernel.tar", contents: kernelTar },
            ],
          },
        ],
      },
      { name: "busybox", layers: [busybox] },
    ],
  });
  const blobs = (name: string) =>
    (layout.image(name).manifests[0]?.layers ?? []).map((l) =>
      join(dir, "layout/blobs/sha256", l.digest.slice(7)),
    );
  spec = {
    kernelLayers: blobs("kernel"),
    initLayers: blobs("busybox"),
    bundles: [
      { path: "containers/onboot/000-hello", layers: blobs("busybox") },
      { path: "containers/services/getty", layers: [] },
    ],
    files: [{ path: "root/.ssh/authorized_keys", contents: "it's a key\n", mode: 0o600 }],
    cmdline: "console=ttyS0",
  };
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const paths = (name: string) => ({
  tree: join(dir, name, "tree"),
  stage: join(dir, name, "stage"),
  output: join(dir, name, "out"),
  kernel: join(dir, name, "kernel"),
});

describe("the GNU baseline", () => {
  it("lays the tree out as LinuxKit does and tars it", async () => {
    const p = paths("tar");
    execFileSync("sh", ["-c", gnuPipelineScript(spec, "tar", p)]);
    const listing = execFileSync("tar", ["-tvf", p.output], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const fields = line.split(/\s+/);
        return `${fields[0]} ${fields.slice(5).join(" ")}`;
      });
    expect(listing).toEqual(
      expect.arrayContaining([
        "-rw-r--r-- ./boot/kernel",
        "-rw-r--r-- ./boot/cmdline",
        "-rw-r--r-- ./lib/modules/6.1.0-test/kernel/virtio.ko",
        "-rwxr-xr-x ./bin/busybox",
        "lrwxrwxrwx ./bin/sh -> /bin/busybox",
        "-rwxr-xr-x ./containers/onboot/000-hello/lower/bin/busybox",
        "-rw-r--r-- ./containers/onboot/000-hello/config.json",
        "drwxr-xr-x ./containers/services/getty/rootfs/",
        "-rw------- ./root/.ssh/authorized_keys",
      ]),
    );
    expect(listing.some((line) => line.includes("containers/services/getty/lower/bin"))).toBe(false);
  });

  it("writes a gzip newc initrd and the kernel beside it", async () => {
    const p = paths("cpio");
    execFileSync("sh", ["-c", gnuPipelineScript(spec, "cpio-gzip", p)]);
    expect(await readFile(p.kernel, "utf8")).toBe("vmlinuz");
    const count = await countNewc(createReadStream(p.output).pipe(createGunzip()));
    const files = execFileSync("sh", ["-c", `find ${shellQuote(p.tree)} | wc -l`], { encoding: "utf8" });
    expect(count.entries).toBe(Number(files.trim()));
    expect(count.archives).toBe(1);
  });

  it.each([
    ["plain", "'plain'"],
    ["it's", `'it'\\''s'`],
  ])("quotes %s for sh", (text, want) => {
    expect(shellQuote(text)).toBe(want);
    expect(execFileSync("sh", ["-c", `printf %s ${want}`], { encoding: "utf8" })).toBe(text);
  });
});
