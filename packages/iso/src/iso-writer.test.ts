import { entryFromBytes, type FsEntry, type FsHeader, headerOf } from "@ocikit/fs";
import { describe, expect, it } from "vitest";
import { planIso } from "./iso-plan.js";
import { ISO_OUTPUT_CHUNK_SIZE, writeIso } from "./iso-writer.js";

const meta = (path: string, type: FsHeader["type"]) => ({
  path,
  type,
  mode: 0o644,
  uid: 0,
  gid: 0,
  mtime: 0,
});
const fileOf = (path: string, bytes: Uint8Array | string) =>
  entryFromBytes(meta(path, "file"), typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes);

async function* each<T>(items: readonly T[]): AsyncIterable<T> {
  yield* items;
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<{ image: Buffer; chunks: number[] }> {
  const parts: Uint8Array[] = [];
  for await (const chunk of stream) parts.push(chunk);
  return { image: Buffer.concat(parts), chunks: parts.map((p) => p.length) };
}

/** An entry that claims `size` bytes and yields `actual`. */
function lying(path: string, size: number, actual: number): FsEntry {
  return {
    ...meta(path, "file"),
    size,
    async *body() {
      yield new Uint8Array(actual);
    },
  };
}

describe("writeIso", () => {
  const entries = [
    fileOf("a.txt", "hello\n"),
    fileOf("b.bin", new Uint8Array(100_000).fill(9)),
    fileOf("c", ""),
  ];

  it("writes the whole volume: bodies at their planned sectors, zero-padded, in few chunks", async () => {
    const layout = planIso(entries.map(headerOf), {});
    const { image, chunks } = await collect(writeIso(layout, each(entries)));
    expect(image.length).toBe(layout.volumeSpaceSectors * 2048);
    const at = (path: string) => layout.slots.find((s) => s.path === path)!.dataLba! * 2048;
    expect(image.subarray(at("a.txt"), at("a.txt") + 7).toString()).toBe("hello\n\0");
    expect(image.subarray(at("b.bin"), at("b.bin") + 100_000).every((b) => b === 9)).toBe(true);
    expect(image.subarray(0, 16 * 2048).every((b) => b === 0)).toBe(true);
    expect(image.subarray(16 * 2048 + 1, 16 * 2048 + 6).toString()).toBe("CD001");
    // Small pieces are coalesced; a body piece of a whole chunk or more passes through as it is.
    expect(chunks.length).toBeLessThanOrEqual(Math.ceil(image.length / ISO_OUTPUT_CHUNK_SIZE) + 2);
  });

  it("writes the same bytes for the same entries and options", async () => {
    const once = async () =>
      (await collect(writeIso(planIso(entries.map(headerOf), {}), each(entries)))).image;
    expect((await once()).equals(await once())).toBe(true);
  });

  it("streams: a body is still being read when image bytes have already come out", async () => {
    let bodyDone = false;
    const big: FsEntry = {
      ...meta("big", "file"),
      size: 4 * ISO_OUTPUT_CHUNK_SIZE,
      async *body() {
        for (let i = 0; i < 4; i++) yield new Uint8Array(ISO_OUTPUT_CHUNK_SIZE).fill(i);
        bodyDone = true;
      },
    };
    const seenBeforeDone: number[] = [];
    for await (const chunk of writeIso(planIso([headerOf(big)], {}), each([big]))) {
      if (!bodyDone) seenBeforeDone.push(chunk.length);
    }
    expect(seenBeforeDone.length).toBeGreaterThan(1);
  });

  it("leaves the body of an entry replaced later unread", async () => {
    let read = false;
    const first: FsEntry = {
      ...meta("x", "file"),
      size: 3,
      async *body() {
        read = true;
        yield new Uint8Array(3);
      },
    };
    const second = fileOf("x", "new");
    await collect(writeIso(planIso([headerOf(first), headerOf(second)], {}), each([first, second])));
    expect(read).toBe(false);
  });

  it.each([
    ["a shorter body", [lying("a.txt", 6, 5)], "ISO_ENTRY_SIZE_MISMATCH"],
    ["a longer body", [lying("a.txt", 6, 7)], "ISO_ENTRY_SIZE_MISMATCH"],
    ["another path", [fileOf("z.txt", "hello\n")], "ISO_STREAM_MISMATCH"],
    ["another size", [fileOf("a.txt", "hello, world\n")], "ISO_STREAM_MISMATCH"],
    ["fewer entries", [], "ISO_STREAM_MISMATCH"],
    ["more entries", [fileOf("a.txt", "hello\n"), fileOf("b", "")], "ISO_STREAM_MISMATCH"],
  ])("refuses %s", async (_name, stream, code) => {
    const layout = planIso([headerOf(fileOf("a.txt", "hello\n"))], {});
    await expect(collect(writeIso(layout, each(stream)))).rejects.toMatchObject({ code });
  });

  it("refuses an isohybrid boot image that is not isolinux.bin (ISO_BOOT_FILE)", async () => {
    const image = fileOf("isolinux.bin", new Uint8Array(4096));
    const layout = planIso([headerOf(image)], {
      boot: {
        catalogPath: "boot.cat",
        entries: [{ platform: "bios", path: "isolinux.bin", bootInfoTable: true }],
        isohybrid: { mbrTemplate: new Uint8Array(432) },
      },
    });
    await expect(collect(writeIso(layout, each([image])))).rejects.toMatchObject({ code: "ISO_BOOT_FILE" });
  });
});
