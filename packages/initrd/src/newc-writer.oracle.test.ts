// Oracle: archives written by writeNewc, read by GNU cpio. A tree made on disk (as root: owners,
// devices, setuid bits, a hard link) is read into entries, written by writeNewc, listed by `cpio -itv`
// and extracted by `cpio -idm` as root; both must match the original tree, with the hard link turned
// into a relative symlink as LinuxKit does. Needs root, GNU cpio, find and stat.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { FsEntry, FsHeader } from "@ocikit/fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hardlinkAsSymlinkTarget, writeNewc } from "./newc-writer.js";
import { collect } from "./test-support/streams.js";
import {
  buildTree,
  cpioListing,
  dirListing,
  entriesFromDir,
  runBoth,
  sh,
  tempDir,
} from "./test-support/tree.js";

/** What `cpioListing` should say about an entry we wrote. */
function expectedCpioLine(h: FsHeader): string {
  const mode = h.mode.toString(8).padStart(4, "0");
  const owner = `${h.uid}:${h.gid}`;
  const nlink = h.type === "dir" ? 2 : 1;
  if (h.type === "symlink" || h.type === "hardlink") {
    const target =
      h.type === "hardlink" ? hardlinkAsSymlinkTarget(h.path, h.linkTarget ?? "") : (h.linkTarget ?? "");
    return `${h.path} symlink ${mode} ${owner} ${nlink} ${Buffer.byteLength(target)} -> ${target}`;
  }
  const sizeOrDev = h.type === "char" || h.type === "block" ? `${h.devMajor},${h.devMinor}` : h.size;
  return `${h.path} ${h.type} ${mode} ${owner} ${nlink} ${sizeOrDev}`;
}

describe("GNU cpio reads what writeNewc writes", () => {
  const temp = tempDir();
  const tree = join(temp.path, "tree");
  const headers: FsHeader[] = [];
  let ours: Buffer;
  beforeAll(async () => {
    sh("mkdir", [tree]);
    buildTree(tree);
    async function* recorded(): AsyncIterable<FsEntry> {
      for await (const entry of entriesFromDir(tree)) {
        const { body: _body, ...header } = entry;
        headers.push(header);
        yield entry;
      }
    }
    ours = await collect(writeNewc(recorded()));
  });
  afterAll(() => temp.remove());

  it("lists names, types, modes, owners, link counts, sizes, devices and link targets (cpio -itv)", () => {
    expect(headers.map((h) => h.type)).toContain("hardlink");
    expect(cpioListing(ours)).toEqual(headers.map(expectedCpioLine));
    expect(ours.length % 512).toBe(0);
  });

  it("extracts to the same tree as root, the hard link as a relative symlink (cpio -idm)", () => {
    const out = join(temp.path, "out");
    sh("mkdir", [out]);
    const extracted = runBoth("cpio", ["-idm", "--no-absolute-filenames", "--quiet"], {
      cwd: out,
      input: ours,
    });
    expect(extracted).toMatchObject({ status: 0, stderr: "" });
    // GNU cpio sets a directory's mtime when it creates it, before its contents, so directory times
    // are not compared here (the kernel sets them last; the round-trip tests check the header field).
    const withoutDirTimes = (line: string) =>
      line.split(" ")[1] === "dir" ? line.replace(/ @\d+$/, "") : line;
    const want = dirListing(tree).map((line) =>
      line.startsWith("hard ") ? "hard symlink 0777 1234:5678 -> d/file.txt" : line.replace(" links=2", ""),
    );
    expect(dirListing(out).map(withoutDirTimes)).toEqual(want.map(withoutDirTimes));
    for (const line of want) {
      const [path = "", kind] = line.split(" ");
      if (kind === "file")
        expect(readFileSync(join(out, path)).equals(readFileSync(join(tree, path))), path).toBe(true);
    }
  });

  it("writes byte-identical archives for the same tree", async () => {
    expect((await collect(writeNewc(entriesFromDir(tree)))).equals(ours)).toBe(true);
  });
});
