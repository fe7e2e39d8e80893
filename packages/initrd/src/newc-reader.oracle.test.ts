// Oracle: archives written by GNU cpio (`find | cpio -o`), read by readNewc. The newc archive of a
// tree made on disk must read back as the tree — names, types, modes, owners, mtimes, devices,
// link targets, inode numbers and bytes — with the hard link as GNU writes it (data on the last
// link). The "crc" variant is read and its checksums verified; the odc format is refused. Needs
// root, GNU cpio, find and stat.
import { lstatSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { FsEntry } from "@ocikit/fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readNewc } from "./newc-reader.js";
import { chunked, listingLine, readAll, rejection } from "./test-support/streams.js";
import { buildTree, entriesFromDir, sh, tempDir } from "./test-support/tree.js";

const LINKED = ["d/file.txt", "hard"];

describe("readNewc reads what GNU cpio writes", () => {
  const temp = tempDir();
  const tree = join(temp.path, "tree");
  const gnu = (format: string) =>
    sh("sh", ["-c", `find . -print0 | LC_ALL=C sort -z | cpio -o -H ${format} --null --quiet`], {
      cwd: tree,
    });
  let expected: FsEntry[];
  beforeAll(async () => {
    sh("mkdir", [tree]);
    buildTree(tree);
    expected = [];
    for await (const entry of entriesFromDir(tree)) expected.push(entry);
  });
  afterAll(() => temp.remove());

  it("reads a newc archive: headers, raw fields and bytes", async () => {
    const got = await readAll(readNewc(chunked(gnu("newc"), 1000)));
    const line = (e: FsEntry) => `${listingLine(e)} @${Math.floor(e.mtime)}`;
    const unlinked = (entries: FsEntry[]) =>
      entries
        .filter((e) => !LINKED.includes(e.path))
        .map(line)
        .sort();
    expect(unlinked(got.map((r) => r.entry))).toEqual(unlinked(expected));
    for (const { entry, body } of got) {
      const stat = lstatSync(join(tree, entry.path));
      expect(entry.newc.ino, entry.path).toBe(stat.ino % 2 ** 32);
      expect(entry.newc.nlink, entry.path).toBe(stat.nlink);
      expect(entry.archive).toBe(0);
      if (entry.type === "file" && entry.size > 0)
        expect(body.equals(readFileSync(join(tree, entry.path)))).toBe(true);
    }
  });

  it("reads GNU's hard links: the first link empty, the last one a hardlink carrying the data", async () => {
    const got = await readAll(readNewc(chunked(gnu("newc"))));
    const links = got.filter((r) => LINKED.includes(r.entry.path));
    const [first, last] = links;
    expect(links.map((r) => r.entry.type)).toEqual(["file", "hardlink"]);
    expect(first?.entry).toMatchObject({ size: 0, uid: 1234, gid: 5678, newc: { nlink: 2 } });
    expect(last?.entry).toMatchObject({
      size: 6,
      linkTarget: first?.entry.path,
      uid: 1234,
      newc: { nlink: 2 },
    });
    expect(last?.body.toString()).toBe("hello\n");
  });

  it("reads the crc (070702) variant, verifying its checksums", async () => {
    const crc = gnu("crc");
    expect(crc.subarray(0, 6).toString()).toBe("070702");
    const got = await readAll(readNewc(chunked(crc)));
    expect(got.map((r) => r.entry.path)).toEqual(
      (await readAll(readNewc(chunked(gnu("newc"))))).map((r) => r.entry.path),
    );
    const at = crc.indexOf("ünïcödé\n");
    crc[at] = (crc[at] ?? 0) + 1;
    expect(await rejection(readAll(readNewc(chunked(crc))))).toMatchObject({
      code: "INITRD_CHECKSUM_MISMATCH",
      data: { path: "utf8-é-名前.txt" },
    });
  });

  it("refuses the odc format with a hint", async () => {
    expect(await rejection(readAll(readNewc(chunked(gnu("odc")))))).toMatchObject({
      code: "INITRD_BAD_MAGIC",
      message: expect.stringMatching(/cpio -H newc/),
    });
  });
});
