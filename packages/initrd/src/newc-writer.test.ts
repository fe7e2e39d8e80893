import type { FsEntry } from "@ocikit/fs";
import { describe, expect, it } from "vitest";
import { decodeNewcHeader, NEWC_HEADER_SIZE } from "./newc-header.js";
import { hardlinkAsSymlinkTarget, writeNewc } from "./newc-writer.js";
import { collect, entry, rejection, streamOf } from "./test-support/streams.js";

const write = (entries: FsEntry[], options = {}) => collect(writeNewc(streamOf(entries), options));

/** Splits an archive into its members: header fields, name and data. */
function members(archive: Buffer) {
  const out = [];
  let at = 0;
  for (;;) {
    const fields = decodeNewcHeader(archive.subarray(at, at + NEWC_HEADER_SIZE), at);
    const name = archive.toString("utf8", at + NEWC_HEADER_SIZE, at + NEWC_HEADER_SIZE + fields.nameSize - 1);
    const dataAt = Math.ceil((at + NEWC_HEADER_SIZE + fields.nameSize) / 4) * 4;
    const data = archive.subarray(dataAt, dataAt + fields.fileSize);
    out.push({ ...fields, name, data: data.toString() });
    at = Math.ceil((dataAt + fields.fileSize) / 4) * 4;
    if (name === "TRAILER!!!") return { members: out, end: at };
  }
}

describe("writeNewc", () => {
  it("writes LinuxKit's layout: header, name, padding, data, padding, trailer, zeros to 512", async () => {
    const archive = await write([entry({ path: "a", type: "file", mtime: 1_492_533_000.9 }, "hi")]);
    const text = archive.toString("latin1");
    expect(text.slice(0, NEWC_HEADER_SIZE + 2)).toBe(
      "070701000002d1000081a4000000000000000000000001" +
        "58f63f0800000002000000030000000100000000000000000000000200000000a\0",
    );
    expect(text.slice(112, 116)).toBe("hi\0\0");
    expect(text.slice(116, 116 + 6 + 16)).toBe("070701000002d200000000");
    expect(text.slice(116 + NEWC_HEADER_SIZE, 116 + NEWC_HEADER_SIZE + 14)).toBe("TRAILER!!!\0\0\0\0");
    expect(archive.length).toBe(512);
    expect(archive.subarray(240).every((b) => b === 0)).toBe(true);
  });

  it.each([
    [
      "file",
      entry({ path: "etc/hosts", type: "file", mode: 0o4755, uid: 7, gid: 8 }, "x\n"),
      0o104755,
      1,
      "x\n",
      "0,0",
    ],
    ["dir", entry({ path: "etc", type: "dir", mode: 0o1777 }), 0o41777, 2, "", "0,0"],
    ["root", entry({ path: ".", type: "dir" }), 0o40755, 2, "", "0,0"],
    [
      "symlink",
      entry({ path: "lib", type: "symlink", linkTarget: "/usr/lib" }),
      0o120777,
      1,
      "/usr/lib",
      "0,0",
    ],
    [
      "hardlink",
      entry({ path: "bin/ash", type: "hardlink", mode: 0o755, linkTarget: "bin/sh" }),
      0o120755,
      1,
      "sh",
      "0,0",
    ],
    [
      "char",
      entry({ path: "dev/null", type: "char", mode: 0o666, devMajor: 1, devMinor: 3 }),
      0o20666,
      1,
      "",
      "1,3",
    ],
    [
      "block",
      entry({ path: "dev/sda", type: "block", mode: 0o660, devMajor: 8, devMinor: 0 }),
      0o60660,
      1,
      "",
      "8,0",
    ],
    ["fifo", entry({ path: "run/fifo", type: "fifo", mode: 0o600 }), 0o10600, 1, "", "0,0"],
  ])("writes a %s", async (_name, e, mode, nlink, data, rdev) => {
    const [member] = members(await write([e])).members;
    expect(member).toMatchObject({ name: e.path, mode, nlink, data, devMajor: 3, devMinor: 1, check: 0 });
    expect(`${member?.rdevMajor},${member?.rdevMinor}`).toBe(rdev);
    expect(member?.fileSize).toBe(Buffer.byteLength(data));
  });

  it("numbers inodes from inodeStart, the trailer included; names are UTF-8 byte counts with the NUL", async () => {
    const entries = [entry({ path: ".", type: "dir" }), entry({ path: "名前-é", type: "file" }, "ü")];
    const { members: all } = members(await write(entries, { inodeStart: 1 }));
    expect(all.map((m) => [m.ino, m.name, m.nameSize, m.fileSize])).toEqual([
      [1, ".", 2, 0],
      [2, "名前-é", 10, 0 + 2],
      [3, "TRAILER!!!", 11, 0],
    ]);
    expect(all[0]?.mtime).toBe(1_700_000_000);
  });

  it("leaves the trailer out on request, ending on a 4-byte boundary", async () => {
    const archive = await write([entry({ path: "a", type: "file" }, "abc")], { trailer: false });
    expect(archive.length).toBe(116);
    expect(archive.includes("TRAILER!!!")).toBe(false);
  });

  it("writes the same bytes for the same entries", async () => {
    const entries = () => [entry({ path: "d", type: "dir" }), entry({ path: "d/f", type: "file" }, "same")];
    expect((await write(entries())).equals(await write(entries()))).toBe(true);
  });

  it("coalesces small members into 64 KiB chunks and passes large body chunks through", async () => {
    const small = Array.from({ length: 2000 }, (_, i) => entry({ path: `f${i}`, type: "file" }, "tiny"));
    const chunks: Uint8Array[] = [];
    for await (const chunk of writeNewc(streamOf(small))) chunks.push(chunk);
    expect(chunks.slice(0, -1).every((c) => c.length === 65536)).toBe(true);
    const bodyChunk = new Uint8Array(256 * 1024).fill(1);
    const big: FsEntry = {
      ...entry({ path: "big", type: "file" }),
      size: 4 * bodyChunk.length,
      async *body() {
        for (let i = 0; i < 4; i++) yield bodyChunk;
      },
    };
    const out: Uint8Array[] = [];
    for await (const chunk of writeNewc(streamOf([big]))) out.push(chunk);
    expect(out.filter((c) => c === bodyChunk)).toHaveLength(4);
  });

  it.each([
    ["bin/ash", "bin/sh", "sh"],
    ["ash", "bin/sh", "bin/sh"],
    ["usr/bin/x", "bin/sh", "../../bin/sh"],
    ["a/b/c", "a/d", "../d"],
    ["a/b", "a", "."],
    ["./x/y", "/x/z", "z"],
  ])("hard link %s to %s is the symlink %s", (link, target, want) => {
    expect(hardlinkAsSymlinkTarget(link, target)).toBe(want);
  });
});

describe("writeNewc errors", () => {
  const huge: FsEntry = {
    ...entry({ path: "huge.img", type: "file" }),
    size: 2 ** 32,
    body: () => {
      throw new Error("the body of a refused member must not be read");
    },
  };

  it("refuses a member of 4 GiB before writing any of it", async () => {
    const first = entry({ path: "first", type: "file" }, new Uint8Array(100_000));
    const emitted: Uint8Array[] = [];
    const error = await rejection(
      (async () => {
        for await (const chunk of writeNewc(streamOf([first, huge]))) emitted.push(chunk);
      })(),
    );
    expect(error).toMatchObject({ code: "INITRD_MEMBER_TOO_LARGE", data: { path: "huge.img" } });
    expect(emitted.length).toBeGreaterThan(0);
    expect(Buffer.concat(emitted).includes("huge.img")).toBe(false);
  });

  const lying = (size: number, body: string): FsEntry => ({
    ...entry({ path: "lies", type: "file" }, body),
    size,
  });

  it.each([
    ["a body longer than size", [lying(2, "abc")], "INITRD_SIZE_MISMATCH"],
    ["a body shorter than size", [lying(4, "abc")], "INITRD_SIZE_MISMATCH"],
    ["a negative size", [lying(-1, "")], "INITRD_FIELD_OUT_OF_RANGE"],
    ["a uid of 2^32", [entry({ path: "u", type: "file", uid: 2 ** 32 })], "INITRD_FIELD_OUT_OF_RANGE"],
    ["a negative gid", [entry({ path: "g", type: "file", gid: -1 })], "INITRD_FIELD_OUT_OF_RANGE"],
    ["an mtime before 1970", [entry({ path: "t", type: "file", mtime: -1 })], "INITRD_FIELD_OUT_OF_RANGE"],
    [
      "an mtime after 2106",
      [entry({ path: "t", type: "file", mtime: 2 ** 32 })],
      "INITRD_FIELD_OUT_OF_RANGE",
    ],
    ["type bits in mode", [entry({ path: "m", type: "file", mode: 0o100644 })], "INITRD_FIELD_OUT_OF_RANGE"],
    [
      "a device major of 2^32",
      [entry({ path: "c", type: "char", devMajor: 2 ** 32 })],
      "INITRD_FIELD_OUT_OF_RANGE",
    ],
    ["a 4096-byte name", [entry({ path: "n".repeat(4096), type: "file" })], "INITRD_NAME_TOO_LONG"],
    [
      "a 4097-byte link",
      [entry({ path: "l", type: "symlink", linkTarget: "t".repeat(4097) })],
      "INITRD_LINK_TARGET_TOO_LONG",
    ],
    ["a symlink without target", [entry({ path: "l", type: "symlink" })], "INITRD_BAD_ENTRY"],
    [
      "a hardlink without target",
      [entry({ path: "l", type: "hardlink", linkTarget: "" })],
      "INITRD_BAD_ENTRY",
    ],
    ["a NUL in a name", [entry({ path: "a\0b", type: "file" })], "INITRD_BAD_ENTRY"],
    ["an empty name", [entry({ path: "", type: "dir" })], "INITRD_BAD_ENTRY"],
  ])("refuses %s", async (_name, entries, code) => {
    expect(await rejection(write(entries))).toMatchObject({ code });
  });

  it("accepts the largest values the fields hold", async () => {
    const max = 0xffff_ffff;
    const e = entry({
      path: "n".repeat(4095),
      type: "char",
      uid: max,
      gid: max,
      mtime: max,
      devMajor: max,
      devMinor: max,
    });
    const [member] = members(
      await write([e, entry({ path: "l", type: "symlink", linkTarget: "t".repeat(4096) })]),
    ).members;
    expect(member).toMatchObject({
      uid: max,
      gid: max,
      mtime: max,
      rdevMajor: max,
      rdevMinor: max,
      nameSize: 4096,
    });
  });

  it("refuses a bad inodeStart at once", () => {
    expect(() => writeNewc(streamOf([]), { inodeStart: -1 })).toThrow(
      expect.objectContaining({ code: "INITRD_BAD_OPTION" }),
    );
    expect(() => writeNewc(streamOf([]), { inodeStart: 2 ** 32 })).toThrow(
      expect.objectContaining({ code: "INITRD_BAD_OPTION" }),
    );
  });
});
