import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { ensureDir } from "./host-dirs.js";

it("creates missing parents, and accepts a directory that exists", async () => {
  const root = await mkdtemp(join(tmpdir(), "ocikit-fs-"));
  try {
    await ensureDir(join(root, "a", "b", "c"));
    expect((await stat(join(root, "a", "b", "c"))).isDirectory()).toBe(true);
    await ensureDir(join(root, "a", "b", "c"));
    await Promise.all([ensureDir(join(root, "x", "y")), ensureDir(join(root, "x", "z"))]);
    expect((await stat(join(root, "x", "z"))).isDirectory()).toBe(true);
    await writeFile(join(root, "file"), "");
    await expect(ensureDir(join(root, "file", "sub"))).rejects.toMatchObject({ code: "ENOTDIR" });
    await expect(ensureDir(join(root, "file"))).rejects.toMatchObject({ code: "ENOTDIR" });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

it("fails, rather than looping, where the kernel refuses with ENOENT (/proc)", async () => {
  await expect(ensureDir("/proc/ocikit-no-such/dir")).rejects.toMatchObject({ code: "ENOENT" });
});

it("names the host's refusals in plain words, and only those", async () => {
  const { hostRefusalReason } = await import("./host-errors.js");
  expect(hostRefusalReason("EACCES")).toBe("permission denied");
  expect(hostRefusalReason("ENOSPC")).toBe("no space left on the device");
  expect(hostRefusalReason("ENOENT")).toBeUndefined();
  expect(hostRefusalReason(undefined)).toBeUndefined();
});
