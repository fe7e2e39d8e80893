import { headerOf } from "@ocikit/fs";
import { describe, expect, it } from "vitest";
import { readNewc } from "./newc-reader.js";
import { writeNewc } from "./newc-writer.js";
import { byteSum, newcArchive, newcMember, newcTrailer } from "./test-support/newc-bytes.js";
import {
  chunked,
  collect,
  entry,
  listingLine,
  readAll,
  rejection,
  streamOf,
} from "./test-support/streams.js";

const ENTRIES = [
  entry({ path: ".", type: "dir" }),
  entry({ path: "bin", type: "dir", mtime: 1 }),
  entry({ path: "bin/sh", type: "file", mode: 0o4755, uid: 1000, gid: 2000 }, new Uint8Array(70_000).fill(7)),
  entry({ path: "bin/ash", type: "hardlink", mode: 0o755, linkTarget: "bin/sh" }),
  entry({ path: "empty", type: "file" }),
  entry({ path: "lib", type: "symlink", linkTarget: "/usr/lib" }),
  entry({ path: "dev/null", type: "char", mode: 0o666, devMajor: 1, devMinor: 3 }),
  entry({ path: "dev/sda", type: "block", mode: 0o660, devMajor: 8, devMinor: 16 }),
  entry({ path: "fifo", type: "fifo", mode: 0o600 }),
  entry({ path: "ünïcödé/名前", type: "file", mtime: 4_000_000_000 }, "odd\n"),
];

const read = (bytes: Uint8Array, size = 4096) => readAll(readNewc(chunked(bytes, size)));

describe("readNewc", () => {
  it.each([1, 3, 4096, 1 << 20])("reads back what writeNewc wrote (chunks of %d bytes)", async (size) => {
    const archive = await collect(writeNewc(streamOf(ENTRIES)));
    const got = await read(archive, size);
    const want = ENTRIES.map((e) =>
      e.type === "hardlink" ? { ...headerOf(e), type: "symlink" as const, linkTarget: "sh" } : headerOf(e),
    );
    expect(got.map((r) => listingLine(r.entry))).toEqual(want.map(listingLine));
    expect(got.map((r) => r.entry.mtime)).toEqual(ENTRIES.map((e) => e.mtime));
    for (const [i, e] of ENTRIES.entries()) {
      if (e.type === "file") expect(got[i]?.body.equals(await collect(e.body()))).toBe(true);
    }
    expect(
      got.map((r) => [r.entry.newc.ino, r.entry.newc.nlink, r.entry.newc.devMajor, r.entry.archive]),
    ).toEqual(ENTRIES.map((e, i) => [721 + i, e.type === "dir" ? 2 : 1, 3, 0]));
    expect(got[0]?.entry.offset).toBe(0);
    expect(got[1]?.entry.newc).toMatchObject({ name: "bin", mode: 0o40755, fileSize: 0, nameSize: 4 });
  });

  it("reads archives one after another, with zero padding between them, numbering them", async () => {
    const a = await collect(writeNewc(streamOf([entry({ path: "a", type: "file" }, "A")])));
    const b = await collect(writeNewc(streamOf([entry({ path: "b", type: "file" }, "B")])));
    const got = await read(Buffer.concat([a, Buffer.alloc(1024), b, b]));
    expect(got.map((r) => [r.entry.path, r.entry.archive, r.entry.offset, r.body.toString()])).toEqual([
      ["a", 0, 0, "A"],
      ["b", 1, 512 + 1024, "B"],
      ["b", 2, 512 + 1024 + 512, "B"],
    ]);
  });

  it("lets bodies be skipped or read in part", async () => {
    const archive = await collect(writeNewc(streamOf(ENTRIES)));
    const paths: string[] = [];
    for await (const e of readNewc(chunked(archive, 1000))) {
      paths.push(e.path);
      if (e.path === "bin/sh") for await (const _ of e.body()) break;
    }
    expect(paths).toEqual(ENTRIES.map((e) => e.path));
  });

  it("reads GNU-style hard links: data on the last link, which keeps size and body", async () => {
    const link = { nlink: 2, ino: 9, devMajor: 8, devMinor: 1 };
    const archive = Buffer.concat([
      newcArchive(newcMember("a", link), newcMember("other", { ino: 10 }), newcMember("b", link, "data")),
      newcArchive(newcMember("c", link, "new")),
    ]);
    const got = await read(archive);
    expect(got.map((r) => `${listingLine(r.entry)} [${r.body}] #${r.entry.archive}`)).toEqual([
      "a file 0644 0:0 0 [] #0",
      "other file 0644 0:0 0 [] #0",
      "b hardlink 0644 0:0 4 -> a [data] #0",
      "c file 0644 0:0 3 [new] #1",
    ]);
  });

  it("verifies the checksums of crc (070702) members, read or skipped", async () => {
    const good = newcMember("f", { magic: "070702", check: byteSum("payload") }, "payload");
    const bad = newcMember("f", { magic: "070702", check: byteSum("payload") + 1 }, "payload");
    expect((await read(newcArchive(good)))[0]?.body.toString()).toBe("payload");
    expect(await rejection(read(newcArchive(bad)))).toMatchObject({
      code: "INITRD_CHECKSUM_MISMATCH",
      data: { path: "f" },
    });
    const skipping = (async () => {
      for await (const _ of readNewc(chunked(newcArchive(bad)))) {
        // the body is left unread: the reader checks it while skipping
      }
    })();
    expect(await rejection(skipping)).toMatchObject({ code: "INITRD_CHECKSUM_MISMATCH" });
  });

  it("normalises names and maps types", async () => {
    const got = await read(
      newcArchive(newcMember("./", { mode: 0o40700 }), newcMember("/abs/../x", { mode: 0o10644 })),
    );
    expect(got.map((r) => listingLine(r.entry))).toEqual([". dir 0700 0:0 0", "x fifo 0644 0:0 0"]);
  });

  it("reads an empty stream or zeros as no archive", async () => {
    expect(await read(new Uint8Array(0))).toEqual([]);
    expect(await read(new Uint8Array(1024))).toEqual([]);
  });

  it("closes its input when the consumer stops early", async () => {
    const archive = await collect(writeNewc(streamOf(ENTRIES)));
    let closed = false;
    async function* source() {
      try {
        yield* chunked(archive, 100);
      } finally {
        closed = true;
      }
    }
    for await (const _ of readNewc(source())) break;
    expect(closed).toBe(true);
  });

  it("refuses to open a body twice or after moving on", async () => {
    const iterator = readNewc(chunked(newcArchive(newcMember("a", {}, "x"), newcMember("b"))))[
      Symbol.asyncIterator
    ]();
    const first = (await iterator.next()).value;
    await collect(first.body());
    expect(() => first.body()).toThrow(/called twice/);
    await iterator.next();
    await iterator.return?.();
  });
});

describe("readNewc errors", () => {
  const ok = newcArchive(newcMember("file", {}, "0123456789"));
  const corrupt = (at: number, text: string) => {
    const copy = Buffer.from(ok);
    copy.write(text, at, "latin1");
    return copy;
  };
  it.each([
    ["bad magic", corrupt(0, "070707"), "INITRD_BAD_MAGIC", 0],
    ["junk instead of an archive", Buffer.from("hello, this is not cpio"), "INITRD_BAD_MAGIC", 0],
    ["bad hex", corrupt(6 + 8 * 6 + 2, "x"), "INITRD_BAD_HEADER", 0],
    ["a name without NUL", corrupt(110 + 4, "!"), "INITRD_BAD_HEADER", 0],
    ["namesize 0", newcArchive(newcMember("a", {}).fill(0x30, 94, 102)), "INITRD_BAD_HEADER", 0],
    ["a cut inside a header", ok.subarray(0, 50), "INITRD_TRUNCATED", 0],
    ["a cut inside a name", ok.subarray(0, 112), "INITRD_TRUNCATED", 0],
    ["a cut inside data", ok.subarray(0, 120), "INITRD_TRUNCATED", 0],
    ["no trailer", ok.subarray(0, 128), "INITRD_TRUNCATED", 128],
    ["an archive off a 4-byte boundary", Buffer.concat([ok, Buffer.alloc(3), ok]), "INITRD_BAD_PADDING", 255],
    ["a socket", newcArchive(newcMember("s", { mode: 0o140755 })), "INITRD_UNSUPPORTED_TYPE", 0],
    ["an unknown type", newcArchive(newcMember("s", { mode: 0o170755 })), "INITRD_BAD_HEADER", 0],
    ["a directory with data", newcArchive(newcMember("d", { mode: 0o40755 }, "x")), "INITRD_BAD_ENTRY", 0],
    [
      "a long symlink",
      newcArchive(newcMember("l", { mode: 0o120777 }, "t".repeat(4097))),
      "INITRD_LINK_TARGET_TOO_LONG",
      0,
    ],
    ["a long name", newcArchive(newcMember("n".repeat(4096))), "INITRD_NAME_TOO_LONG", 0],
  ])("refuses %s", async (_name, bytes, code, offset) => {
    expect(await rejection(read(bytes, 7))).toMatchObject({ code, data: { offset } });
  });

  it("accepts an archive whose trailer was not padded to 512", async () => {
    expect((await read(Buffer.concat([newcMember("a"), newcTrailer()]))).map((r) => r.entry.path)).toEqual([
      "a",
    ]);
  });
});
