/**
 * buildLargeImage on .debs made here with dpkg-deb (so the test needs no mirror): one layer per
 * package holding what `dpkg-deb -x` unpacks, a layout skopeo reads, and a second run that reuses
 * the cached layout. The default package list is exercised by `pnpm bench`, which downloads it.
 */
import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildLargeImage } from "./large-image.js";
import { inspectWithSkopeo } from "./skopeo.js";

const run = promisify(execFile);

/** Builds `NAME_1.0_all.deb` holding `files` into `debsDir`. */
async function makeDeb(
  debsDir: string,
  work: string,
  name: string,
  files: Record<string, string>,
): Promise<void> {
  const root = join(work, name);
  await mkdir(join(root, "DEBIAN"), { recursive: true });
  await writeFile(
    join(root, "DEBIAN", "control"),
    `Package: ${name}\nVersion: 1.0\nArchitecture: all\nMaintainer: ocikit tests <tests@example.invalid>\nDescription: test package\n`,
  );
  for (const [path, contents] of Object.entries(files)) {
    await mkdir(join(root, path, ".."), { recursive: true });
    await writeFile(join(root, path), contents);
    await chmod(join(root, path), 0o644);
  }
  await run("dpkg-deb", ["--root-owner-group", "--build", root, join(debsDir, `${name}_1.0_all.deb`)]);
}

describe("buildLargeImage", { timeout: 30_000 }, () => {
  let cacheDir: string;
  beforeAll(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), "ocikit-large-image-test-"));
    const work = join(cacheDir, "work");
    await mkdir(join(cacheDir, "debs"), { recursive: true });
    await makeDeb(join(cacheDir, "debs"), work, "ocikit-base", { "usr/lib/libbase.so": "base".repeat(1000) });
    await makeDeb(join(cacheDir, "debs"), work, "ocikit-tool", {
      "usr/bin/tool": "tool",
      "usr/share/doc/tool/README": "r",
    });
    await rm(work, { recursive: true });
  });
  afterAll(async () => {
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  it("makes one layer per package from its files, and reuses the cached layout", async () => {
    const options = { cacheDir, packages: ["ocikit-base", "ocikit-tool"] };
    const first = await buildLargeImage(options);
    expect(first.debs).toEqual(["ocikit-base_1.0_all.deb", "ocikit-tool_1.0_all.deb"]);
    const layers = first.image.manifests[0]?.layers ?? [];
    expect(layers).toHaveLength(2);
    expect(first.sizeBytes).toBe(layers.reduce((sum, layer) => sum + layer.size, 0));
    expect(first.uncompressedBytes).toBeGreaterThan(first.sizeBytes);
    const { stdout } = await run("tar", [
      "--utc",
      "--numeric-owner",
      "-tvf",
      join(first.layoutDir, "blobs", "sha256", layers[1]?.digest.slice(7) ?? ""),
    ]);
    expect(
      stdout
        .trim()
        .split("\n")
        .map((line) => line.replace(/\s+/g, " ").replace(/^(\S+ \S+ \S+) .{16} /, "$1 ")),
    ).toEqual([
      "drwxr-xr-x 0/0 0 usr/",
      "drwxr-xr-x 0/0 0 usr/bin/",
      "-rw-r--r-- 0/0 4 usr/bin/tool",
      "drwxr-xr-x 0/0 0 usr/share/",
      "drwxr-xr-x 0/0 0 usr/share/doc/",
      "drwxr-xr-x 0/0 0 usr/share/doc/tool/",
      "-rw-r--r-- 0/0 1 usr/share/doc/tool/README",
    ]);
    const info = JSON.parse(await inspectWithSkopeo(first.reference));
    expect(info.Layers).toEqual(layers.map((layer) => layer.digest));
    expect(info.Labels).toEqual({ "org.ocikit.bench.packages": first.debs.join(" ") });

    const recordTime = (await stat(join(first.layoutDir, "ocikit-large-image.json"))).mtimeMs;
    const second = await buildLargeImage(options);
    expect(second).toEqual(first);
    expect((await stat(join(first.layoutDir, "ocikit-large-image.json"))).mtimeMs).toBe(recordTime);
  });
});
