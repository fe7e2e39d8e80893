import { deflateRawSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { gzipMember } from "./compress.js";
import { readInitrd } from "./initrd-reader.js";
import { writeNewc } from "./newc-writer.js";
import { chunked, collect, entry, readAll, rejection, streamOf, utf8 } from "./test-support/streams.js";

const cpio = (...names: string[]) =>
  collect(writeNewc(streamOf(names.map((name) => entry({ path: name, type: "file" }, `${name}\n`)))));
const gz = async (...names: string[]) => collect(gzipMember(chunked(await cpio(...names))));
const read = (bytes: Uint8Array, size = 4096) => readAll(readInitrd(chunked(bytes, size)));
const summary = (got: Awaited<ReturnType<typeof read>>) =>
  got.map(
    (r) =>
      `${r.entry.member}@${r.entry.memberOffset} ${r.entry.compression} #${r.entry.archive} ${r.entry.path}=${r.body}`,
  );

/** A gzip member with every optional header field (FEXTRA, FNAME, FCOMMENT, FHCRC). */
function gzipWithHeaderFields(data: Uint8Array): Buffer {
  const plain = gzipSync(data);
  const header = Buffer.from([0x1f, 0x8b, 8, 0x1e, 0, 0, 0, 0, 0, 3, 3, 0, 1, 2, 3]);
  return Buffer.concat([
    header,
    Buffer.from("name.cpio\0a comment\0", "latin1"),
    Buffer.from([0xaa, 0xbb]),
    plain.subarray(10),
  ]);
}

describe("readInitrd", () => {
  it.each([1, 5, 4096, 1 << 20])(
    "reads microcode cpio + gzip members with and without zero padding (chunks of %d)",
    async (size) => {
      const ucode = await cpio("kernel/x86/microcode/GenuineIntel.bin");
      const a = await gz("a1", "a2");
      const b = await gz("b");
      const c = await gz("c");
      const initrd = Buffer.concat([ucode, a, Buffer.alloc(3), b, c]);
      const bAt = ucode.length + a.length + 3;
      expect(summary(await read(initrd, size))).toEqual([
        "0@0 none #0 kernel/x86/microcode/GenuineIntel.bin=kernel/x86/microcode/GenuineIntel.bin\n",
        `1@${ucode.length} gzip #0 a1=a1\n`,
        `1@${ucode.length} gzip #0 a2=a2\n`,
        `2@${bAt} gzip #0 b=b\n`,
        `3@${bAt + b.length} gzip #0 c=c\n`,
      ]);
    },
  );

  it("reads several archives inside one gzip member, and plain cpio after gzip on a 4-byte boundary", async () => {
    const inner = Buffer.concat([await cpio("x"), await cpio("y")]);
    const member = await collect(gzipMember(chunked(inner)));
    const padding = Buffer.alloc((4 - (member.length % 4)) % 4);
    const initrd = Buffer.concat([member, padding, await cpio("z"), await cpio("w")]);
    expect(summary(await read(initrd)).map((line) => line.replace(/@\d+/, ""))).toEqual([
      "0 gzip #0 x=x\n",
      "0 gzip #1 y=y\n",
      "1 none #0 z=z\n",
      "2 none #0 w=w\n",
    ]);
  });

  it("reads gzip members with optional header fields (FEXTRA, FNAME, FCOMMENT, FHCRC)", async () => {
    const initrd = gzipWithHeaderFields(await cpio("f"));
    expect(summary(await read(initrd, 3))).toEqual(["0@0 gzip #0 f=f\n"]);
  });

  it("reads an empty file, or zeros, as no entries", async () => {
    expect(await read(new Uint8Array(0))).toEqual([]);
    expect(await read(new Uint8Array(4096))).toEqual([]);
  });

  it("closes its input when the consumer stops early", async () => {
    const initrd = await gz("a", "b");
    let closed = false;
    async function* source() {
      try {
        yield* chunked(initrd, 10);
      } finally {
        closed = true;
      }
    }
    for await (const _ of readInitrd(source())) break;
    expect(closed).toBe(true);
  });
});

describe("readInitrd errors", () => {
  const corruptAt = (bytes: Buffer, at: number) => {
    const copy = Buffer.from(bytes);
    copy[at] = (copy[at] ?? 0) ^ 0xff;
    return copy;
  };

  it.each([
    [
      "a cpio archive after gzip off a 4-byte boundary",
      async () => Buffer.concat([await gz("a"), Buffer.alloc(1), await cpio("b")]),
      "INITRD_BAD_PADDING",
    ],
    [
      "an invalid deflate block type",
      async () => {
        const g = await gz("a");
        g[10] = 0x07; // BFINAL 1, BTYPE 11 (reserved)
        return g;
      },
      "INITRD_BAD_GZIP",
    ],
    [
      "a wrong CRC-32",
      async () => {
        const g = await gz("a");
        return corruptAt(g, g.length - 6);
      },
      "INITRD_BAD_GZIP",
    ],
    [
      "a wrong length",
      async () => {
        const g = await gz("a");
        return corruptAt(g, g.length - 2);
      },
      "INITRD_BAD_GZIP",
    ],
    ["a bad gzip method", async () => Buffer.from([0x1f, 0x8b, 9, 0, 0, 0, 0, 0, 0, 3]), "INITRD_BAD_GZIP"],
    ["gzip cut in its data", async () => (await gz("a")).subarray(0, 30), "INITRD_TRUNCATED"],
    [
      "gzip cut in its trailer",
      async () => {
        const g = await gz("a");
        return g.subarray(0, g.length - 3);
      },
      "INITRD_TRUNCATED",
    ],
    ["gzip cut in its header", async () => (await gz("a")).subarray(0, 5), "INITRD_TRUNCATED"],
    [
      "a gzip member cutting an archive short",
      async () => gzipSync((await cpio("a")).subarray(0, 200)),
      "INITRD_TRUNCATED",
    ],
    ["junk in a gzip member", async () => gzipSync(utf8("not a cpio archive at all")), "INITRD_BAD_MAGIC"],
    ["xz", async () => Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0]), "INITRD_UNSUPPORTED_COMPRESSION"],
    ["zstd", async () => Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), "INITRD_UNSUPPORTED_COMPRESSION"],
    ["junk", async () => Buffer.from("hello"), "INITRD_BAD_MAGIC"],
    ["raw deflate", async () => deflateRawSync(utf8("x")), "INITRD_BAD_MAGIC"],
  ])("refuses %s", async (_name, make, code) => {
    const bytes = await make();
    expect(await rejection(read(bytes, 7))).toMatchObject({ code });
    expect(await rejection(read(bytes, 1 << 20))).toMatchObject({ code });
  });
});
