import { describe, expect, it } from "vitest";
import { ChunkReader } from "./chunk-reader.js";
import { chunked, utf8 } from "./test-support/streams.js";

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString();

describe("ChunkReader", () => {
  it.each([1, 2, 3, 100])(
    "reads exact counts across chunks of %d bytes, counting the offset",
    async (size) => {
      const reader = new ChunkReader(chunked(utf8("hello, world"), size));
      expect(text(await reader.readExact(5))).toBe("hello");
      expect(reader.offset).toBe(5);
      expect(await reader.skip(2)).toBe(2);
      expect(text(await reader.peek(3))).toBe("wor");
      expect(reader.offset).toBe(7);
      expect(text(await reader.readExact(10))).toBe("world");
      expect(await reader.atEnd()).toBe(true);
      expect((await reader.readExact(1)).length).toBe(0);
      expect(reader.offset).toBe(12);
    },
  );

  it("skips zero runs up to the next non-zero byte, and hands back unread bytes", async () => {
    const reader = new ChunkReader(chunked(Uint8Array.from([0, 0, 0, 0, 0, 7, 0, 9]), 2));
    expect(await reader.skipZeros()).toBe(5);
    const two = await reader.readExact(2);
    reader.unread(two.subarray(1));
    expect(reader.offset).toBe(6);
    expect(await reader.skipZeros()).toBe(1);
    expect(Array.from(await reader.readUpTo(10))).toEqual([9]);
    expect(await reader.skipZeros()).toBe(0);
  });

  it("closes the source early", async () => {
    let closed = false;
    async function* source() {
      try {
        yield utf8("abc");
        yield utf8("def");
      } finally {
        closed = true;
      }
    }
    const reader = new ChunkReader(source());
    await reader.readExact(1);
    await reader.close();
    expect(closed).toBe(true);
  });
});
