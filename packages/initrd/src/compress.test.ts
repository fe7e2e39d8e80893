import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { compressMember, gzipMember, isInitrdCompression } from "./compress.js";
import { InitrdError } from "./errors.js";
import { chunked, collect, rejection, utf8 } from "./test-support/streams.js";

const DATA = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 31) % 251));

describe("gzipMember", () => {
  it.each([
    [undefined, "1f8b0800000000000003"],
    [6, "1f8b0800000000000003"],
    [9, "1f8b0800000000000203"],
    [1, "1f8b0800000000000403"],
    [0, "1f8b0800000000000403"],
  ])("level %s writes the header %s: no name, MTIME 0, OS Unix", async (level, header) => {
    const gz = await collect(gzipMember(chunked(DATA, 10_000), level === undefined ? {} : { level }));
    expect(gz.subarray(0, 10).toString("hex")).toBe(header);
    expect(gunzipSync(gz).equals(DATA)).toBe(true);
  });

  it("is deterministic, whatever the input chunking", async () => {
    const a = await collect(gzipMember(chunked(DATA, 1000)));
    const b = await collect(gzipMember(chunked(DATA, 65536)));
    expect(a.equals(b)).toBe(true);
  });

  it("compresses an empty stream into a valid member", async () => {
    expect(gunzipSync(await collect(gzipMember(chunked(new Uint8Array(0))))).length).toBe(0);
  });

  it.each([-1, 10, 1.5])("refuses level %d at once", (level) => {
    expect(() => gzipMember(chunked(DATA), { level })).toThrow(
      expect.objectContaining({ code: "INITRD_BAD_OPTION" }),
    );
  });

  it("passes the input's error through unchanged", async () => {
    async function* failing() {
      yield utf8("some bytes");
      throw new InitrdError("INITRD_SIZE_MISMATCH", "x: lies");
    }
    expect(await rejection(collect(gzipMember(failing())))).toMatchObject({ code: "INITRD_SIZE_MISMATCH" });
  });

  it("closes the input when the consumer stops early", async () => {
    let closed = false;
    async function* endless() {
      try {
        for (;;) yield new Uint8Array(65536).map(() => Math.random() * 256);
      } finally {
        closed = true;
      }
    }
    for await (const _ of gzipMember(endless())) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(true);
  });
});

describe("compressMember", () => {
  it("gzips or leaves the stream alone", async () => {
    expect(
      gunzipSync(await collect(compressMember(chunked(DATA), { compression: "gzip", level: 1 }))).equals(
        DATA,
      ),
    ).toBe(true);
    const plain = chunked(DATA);
    expect(compressMember(plain, { compression: "none" })).toBe(plain);
  });

  it("refuses an unknown compression at once, and knows its names", () => {
    expect(() => compressMember(chunked(DATA), { compression: "xz" as "gzip" })).toThrow(
      expect.objectContaining({ code: "INITRD_BAD_OPTION" }),
    );
    expect(["gzip", "none", "xz", ""].map(isInitrdCompression)).toEqual([true, true, false, false]);
  });
});
