import { describe, expect, it } from "vitest";
import { ChunkReader } from "./chunk-reader.js";

async function* pieces(...parts: string[]): AsyncIterable<Uint8Array> {
  for (const part of parts) yield new TextEncoder().encode(part);
}
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("ChunkReader", () => {
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
