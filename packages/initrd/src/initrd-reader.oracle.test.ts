// Oracle: gzip members and concatenated initrds, with gzip(1) and GNU cpio. gzip accepts and
// decompresses what gzipMember writes, alone and concatenated; readInitrd reads initrds assembled
// from GNU tools (an uncompressed microcode cpio, then members made by `cpio -o | gzip`, zero padding
// between them) and our own, member by member exactly as `gzip -dc | cpio -itv` lists each member.
// Needs GNU cpio and gzip.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gzipMember } from "./compress.js";
import { type InitrdEntry, readInitrd } from "./initrd-reader.js";
import { readNewc } from "./newc-reader.js";
import { writeNewc } from "./newc-writer.js";
import { chunked, collect, entry, readAll, streamOf } from "./test-support/streams.js";
import { buildTree, cpioListing, entriesFromDir, runBoth, sh, tempDir } from "./test-support/tree.js";

const pad4 = (bytes: Buffer) => Buffer.concat([bytes, Buffer.alloc((4 - (bytes.length % 4)) % 4)]);

/** GNU cpio's names of the members of an initrd, member by member, from the offsets readInitrd reports. */
function gnuNamesByMember(initrd: Buffer, entries: readonly InitrdEntry[]): string[][] {
  const starts = [...new Map(entries.map((e) => [e.member, e])).values()];
  return starts.map((e, i) => {
    const end = starts[i + 1]?.memberOffset ?? initrd.length;
    const member = initrd.subarray(e.memberOffset, end);
    const plain = e.compression === "gzip" ? sh("gzip", ["-dc"], { input: member }) : member;
    return cpioListing(plain).map((line) => line.split(" ")[0] ?? "");
  });
}

describe("gzip and GNU cpio agree with our initrds", () => {
  const temp = tempDir();
  const tree = join(temp.path, "tree");
  const gnuCpio = (dir: string) =>
    sh("sh", ["-c", `find . -print0 | LC_ALL=C sort -z | cpio -o -H newc --null --quiet`], { cwd: dir });
  beforeAll(() => {
    sh("mkdir", ["-p", tree, join(temp.path, "small/kernel/x86/microcode")]);
    buildTree(tree);
    writeFileSync(join(temp.path, "small/kernel/x86/microcode/GenuineIntel.bin"), "ucode");
  });
  afterAll(() => temp.remove());

  it("gzip -t accepts our members and gzip -dc restores them, alone and concatenated", async () => {
    const a = await collect(writeNewc(entriesFromDir(tree)));
    const b = await collect(writeNewc(streamOf([entry({ path: "b", type: "file" }, "b\n")])));
    const gzA = await collect(gzipMember(chunked(a), { level: 9 }));
    const gzB = await collect(gzipMember(chunked(b)));
    expect(runBoth("gzip", ["-t"], { input: gzA })).toMatchObject({ status: 0, stderr: "" });
    expect(sh("gzip", ["-dc"], { input: gzA }).equals(a)).toBe(true);
    expect(sh("gzip", ["-dc"], { input: Buffer.concat([gzA, gzB]) }).equals(Buffer.concat([a, b]))).toBe(
      true,
    );
  });

  it("reads `zcat a.gz b.gz` style concatenations, which GNU cpio stops reading at the first trailer", async () => {
    const a = join(temp.path, "a.cpio");
    const b = join(temp.path, "b.cpio");
    writeFileSync(a, gnuCpio(tree));
    writeFileSync(b, gnuCpio(join(temp.path, "small")));
    sh("gzip", ["-k", "-9", a, b]);
    const zcat = sh("sh", ["-c", `zcat ${a}.gz ${b}.gz`]);
    const names = (bytes: Buffer) => cpioListing(bytes).map((line) => line.split(" ")[0]);
    const ours = await readAll(readNewc(chunked(zcat)));
    expect(ours.map((r) => `${r.entry.archive} ${r.entry.path}`)).toEqual([
      ...names(gnuCpio(tree)).map((n) => `0 ${n === "." ? "." : n?.replace(/^\.\//, "")}`),
      ...names(gnuCpio(join(temp.path, "small"))).map(
        (n) => `1 ${n === "." ? "." : n?.replace(/^\.\//, "")}`,
      ),
    ]);
    expect(names(zcat)).toEqual(names(gnuCpio(tree)));
  });

  it("reads an initrd made by GNU tools: microcode cpio, then gzip(1) members with names and zero padding", async () => {
    const ucode = gnuCpio(join(temp.path, "small"));
    writeFileSync(join(temp.path, "t.cpio"), gnuCpio(tree));
    sh("gzip", ["-f", join(temp.path, "t.cpio")]); // stores the file name (FNAME)
    const member = sh("cat", [join(temp.path, "t.cpio.gz")]);
    const initrd = Buffer.concat([ucode, pad4(member), Buffer.alloc(512), member]);
    const got = (await readAll(readInitrd(chunked(initrd, 65536)))).map((r) => r.entry);
    expect([...new Set(got.map((e) => `${e.member} ${e.compression}`))]).toEqual([
      "0 none",
      "1 gzip",
      "2 gzip",
    ]);
    expect(gnuNamesByMember(initrd, got)).toEqual(
      [0, 1, 2].map((m) => got.filter((e) => e.member === m).map((e) => e.newc.name)),
    );
  });

  it("reads our own initrd member by member as gzip -dc | cpio -it lists each", async () => {
    const ucode = await collect(
      writeNewc(streamOf([entry({ path: "kernel/x86/microcode/AuthenticAMD.bin", type: "file" }, "u")])),
    );
    const rootfs = await collect(gzipMember(writeNewc(entriesFromDir(tree))));
    const extra = await collect(
      gzipMember(writeNewc(streamOf([entry({ path: "etc/extra", type: "file" }, "x")]))),
    );
    const initrd = Buffer.concat([ucode, rootfs, extra]);
    const got = (await readAll(readInitrd(chunked(initrd)))).map((r) => r.entry);
    expect(gnuNamesByMember(initrd, got)).toEqual(
      [0, 1, 2].map((m) => got.filter((e) => e.member === m).map((e) => e.newc.name)),
    );
  });
});
