import { deflateRawSync, gzipSync } from "node:zlib";
import { ChunkReader } from "@ocikit/fs";
import { describe, expect, it } from "vitest";
import { inflateGzipMember } from "./gzip-member.js";
import { chunked, collect, rejection, utf8 } from "./test-support/streams.js";

const DATA = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * i) % 253));

describe("inflateGzipMember", () => {
  it.each([1, 9, 4096, 1 << 20])(
    "decompresses one member and leaves the reader after it (chunks of %d)",
    async (size) => {
      const input = Buffer.concat([gzipSync(DATA), gzipSync(utf8("second")), utf8("tail")]);
      const reader = new ChunkReader(chunked(input, size));
      expect((await collect(inflateGzipMember(reader, 0))).equals(DATA)).toBe(true);
      const secondAt = reader.offset;
      expect((await collect(inflateGzipMember(reader, secondAt))).toString()).toBe("second");
      expect(Buffer.from(await reader.readExact(10)).toString()).toBe("tail");
    },
  );

  it("skips FEXTRA, FNAME, FCOMMENT and FHCRC", async () => {
    const plain = gzipSync(utf8("payload"));
    const header = Buffer.from([0x1f, 0x8b, 8, 0x1e, 0, 0, 0, 0, 0, 3, 2, 0, 0xab, 0xcd]);
    const fields = Buffer.concat([Buffer.from("file.cpio\0comment\0"), Buffer.from([1, 2])]);
    const reader = new ChunkReader(chunked(Buffer.concat([header, fields, plain.subarray(10)]), 2));
    expect((await collect(inflateGzipMember(reader, 0))).toString()).toBe("payload");
    expect(await reader.atEnd()).toBe(true);
  });

  it.each([
    ["not gzip", () => deflateRawSync(DATA), "INITRD_BAD_GZIP"],
    ["reserved flags", () => Buffer.from([0x1f, 0x8b, 8, 0x80, 0, 0, 0, 0, 0, 3]), "INITRD_BAD_GZIP"],
    ["a cut name", () => Buffer.from([0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 3, 0x41]), "INITRD_TRUNCATED"],
    [
      "a cut extra field",
      () => Buffer.from([0x1f, 0x8b, 8, 0x04, 0, 0, 0, 0, 0, 3, 9, 0, 1]),
      "INITRD_TRUNCATED",
    ],
    ["cut data", () => gzipSync(DATA).subarray(0, 500), "INITRD_TRUNCATED"],
  ])("refuses %s", async (_name, make, code) => {
    const error = await rejection(collect(inflateGzipMember(new ChunkReader(chunked(make(), 64)), 100)));
    expect(error).toMatchObject({ code, data: { offset: 100 } });
  });
});
