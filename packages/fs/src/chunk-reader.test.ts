import { describe, expect, it } from "vitest";
import { ChunkReader } from "./chunk-reader.js";

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** A stream of `bytes` in pieces of `size` bytes (1 to test every boundary). */
async function* chunked(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function* pieces(...parts: string[]): AsyncIterable<Uint8Array> {
  for (const part of parts) yield utf8(part);
}

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

  it.each([
    ["within one chunk", ["abcdef"], 3, "abc"],
    ["across chunks", ["ab", "", "cd", "ef"], 5, "abcde"],
    ["short at the end", ["ab", "c"], 5, "abc"],
    ["empty source", [], 4, ""],
  ])("readExact %s", async (_name, parts, length, want) => {
    const reader = new ChunkReader(pieces(...parts));
    expect(text(await reader.readExact(length))).toBe(want);
    expect(reader.offset).toBe(want.length);
  });

  it("readUpTo never crosses a chunk, skip and drain count bytes", async () => {
    const reader = new ChunkReader(pieces("abc", "defg", "hij"));
    expect(text(await reader.readUpTo(10))).toBe("abc");
    expect(await reader.skip(2)).toBe(2);
    expect(text(await reader.readUpTo(1))).toBe("f");
    expect(await reader.drain()).toBe(4);
    expect((await reader.readUpTo(1)).length).toBe(0);
    expect(await reader.skip(3)).toBe(0);
  });

  it("pulls no chunk before it is needed, and close() returns the source", async () => {
    const pulled: number[] = [];
    let closed = false;
    async function* source(): AsyncIterable<Uint8Array> {
      try {
        for (let i = 0; i < 10; i++) {
          pulled.push(i);
          yield new Uint8Array(4);
        }
      } finally {
        closed = true;
      }
    }
    const reader = new ChunkReader(source());
    await reader.readExact(6);
    expect(pulled).toEqual([0, 1]);
    await reader.close();
    expect(closed).toBe(true);
  });
});
