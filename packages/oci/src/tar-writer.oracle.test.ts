// Oracle: archives written by writeTar, read by GNU tar. A tree made on disk (as root: owners,
// devices, setuid, xattrs) goes GNU tar → readTar → writeTar → GNU tar -tv / tar -xf, and must list
// and extract exactly as the original. Needs root, GNU tar, getfattr/setfattr, find and stat.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readTar } from "./tar-reader.js";
import { writeTar } from "./tar-writer.js";
import { buildTree, dirListing, gnuTarListing, sh } from "./test-support/gnu-tar.js";
import { chunked, collect, runBoth, tempDir } from "./test-support/tar-fixtures.js";

describe("GNU tar reads what writeTar writes", () => {
  const temp = tempDir();
  const tree = join(temp.path, "tree");
  let original: Buffer;
  let ours: Buffer;
  beforeAll(async () => {
    sh("mkdir", [tree]);
    buildTree(tree, { long: true });
    original = sh("tar", [
      "--format=pax",
      "--sort=name",
      "--xattrs",
      "--xattrs-include=user.*",
      "-cf",
      "-",
      "-C",
      tree,
      ".",
    ]);
    ours = await collect(writeTar(readTar(chunked(original, 65536), { source: "original" })));
  });
  afterAll(() => temp.remove());

  it("lists the same as the original archive, from a pipe, without a warning", () => {
    expect(gnuTarListing(ours)).toEqual(gnuTarListing(original));
    const piped = runBoth("sh", ["-c", "cat | tar -tvf - --xattrs"], { input: ours });
    expect(piped).toMatchObject({ status: 0, stderr: "" });
    expect(ours.length % 512).toBe(0);
  });

  it("extracts to the same tree: modes, owners, devices, symlinks, hardlinks, mtimes, bytes, xattrs", () => {
    const out = join(temp.path, "out");
    sh("mkdir", [out]);
    const extracted = runBoth(
      "tar",
      ["-xpf", "-", "--xattrs", "--xattrs-include=user.*", "--numeric-owner", "-C", out],
      {
        input: ours,
      },
    );
    expect(extracted).toMatchObject({ status: 0, stderr: "" });
    expect(dirListing(out)).toEqual(dirListing(tree));
    for (const line of dirListing(tree)) {
      const [path = "", kind] = line.split(" ");
      if (kind === "file")
        expect(readFileSync(join(out, path)).equals(readFileSync(join(tree, path))), path).toBe(true);
    }
    const xattr = sh("getfattr", ["-e", "hex", "-n", "user.note", join(out, "frac")]).toString();
    expect(xattr).toContain("user.note=0x01ff00");
  });

  it("writes byte-identical archives for the same entries", async () => {
    const again = await collect(writeTar(readTar(chunked(original, 1000), { source: "original" })));
    expect(again.equals(ours)).toBe(true);
  });
});
