// Oracle: archives made by GNU tar (pax, gnu, ustar), read by readTar, compared with GNU tar's own
// listing of the same bytes and with the files on disk. Needs root (owners, mknod), GNU tar, setfattr.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readTar } from "./tar-reader.js";
import { buildTree, gnuTarListing, ourListing, sh } from "./test-support/gnu-tar.js";
import { chunked, readAll, tempDir } from "./test-support/tar-fixtures.js";

const read = (bytes: Uint8Array) => readAll(readTar(chunked(bytes, 8192), { source: "gnu tar archive" }));

describe.each(["pax", "gnu", "ustar"] as const)("readTar on GNU tar --format=%s", (format) => {
  const temp = tempDir();
  const tree = join(temp.path, "tree");
  let archive: Buffer;
  beforeAll(() => {
    sh("mkdir", [tree]);
    buildTree(tree, { long: format !== "ustar" });
    const xattrs = format === "pax" ? ["--xattrs", "--xattrs-include=user.*"] : [];
    archive = sh("tar", [`--format=${format}`, "--sort=name", ...xattrs, "-cf", "-", "-C", tree, "."]);
  });
  afterAll(() => temp.remove());

  it("lists what GNU tar lists: paths, types, modes, owners, sizes, targets, devices, mtimes", async () => {
    const entries = await read(archive);
    expect(ourListing(entries.map((e) => e.header))).toEqual(gnuTarListing(archive));
    expect(entries.length).toBeGreaterThan(20);
  });

  it("gives each file's bytes as they are on disk", async () => {
    for (const { header, body } of await read(archive)) {
      if (header.type === "file")
        expect(body.equals(readFileSync(join(tree, header.path))), header.path).toBe(true);
    }
  });

  it("reads owner names, long names and (pax) xattrs and fractional mtimes", async () => {
    const byPath = new Map((await read(archive)).map((e) => [e.header.path, e.header]));
    expect(byPath.get("d/file.txt")).toMatchObject({ uid: 1234, gid: 5678 });
    expect(byPath.get("hard")).toMatchObject({ type: "hardlink", linkTarget: "d/file.txt" });
    expect(byPath.get(`long/${"a".repeat(60)}/${"b".repeat(60)}/file`)?.size).toBe(32);
    expect(byPath.get("utf8-é-名前.txt")?.size).toBe(Buffer.byteLength("ünïcödé\n"));
    if (format === "ustar") return;
    expect(byPath.get(`deep/${"c".repeat(100)}/${"d".repeat(100)}/${"e".repeat(100)}/file`)?.size).toBe(15);
    expect(byPath.get("longlink")?.linkTarget).toBe("t".repeat(150));
    expect(byPath.get("bigids")).toMatchObject({ uid: 3_000_000, gid: 4_000_000 });
    if (format === "pax") {
      expect(byPath.get("frac")?.mtime).toBe(Number("1672531200.123456789"));
      expect(byPath.get("frac")?.xattrs).toEqual({ "user.note": "\u0001\u00ff\u0000" });
    }
  });

  it("reads what --owner, --group, --mode and --mtime override", async () => {
    const overridden = sh("tar", [
      `--format=${format}`,
      "--sort=name",
      "--owner=4242",
      "--group=4343",
      "--mode=go-w,u+s",
      "--mtime=@1234567890",
      "-cf",
      "-",
      "-C",
      tree,
      "d",
      "setuid",
      "dev",
    ]);
    const entries = await read(overridden);
    expect(ourListing(entries.map((e) => e.header))).toEqual(gnuTarListing(overridden));
    expect(entries.every((e) => e.header.uid === 4242 && e.header.mtime === 1234567890)).toBe(true);
  });
});

describe("readTar refuses GNU tar's sparse files", () => {
  const temp = tempDir();
  afterAll(() => temp.remove());

  it.each(["gnu", "pax"])("--sparse --format=%s", async (format) => {
    const sparse = join(temp.path, "sparse");
    writeFileSync(sparse, "");
    sh("truncate", ["-s", "4M", sparse]);
    sh("sh", ["-c", `printf x >> ${sparse}`]);
    const archive = sh("tar", ["--sparse", `--format=${format}`, "-cf", "-", "-C", temp.path, "sparse"]);
    await expect(read(archive)).rejects.toThrow(
      expect.objectContaining({ code: "OCI_BAD_LAYER", message: expect.stringMatching(/sparse/) }),
    );
  });
});
