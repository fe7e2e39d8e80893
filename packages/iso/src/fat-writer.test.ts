import { entryFromBytes, type FsEntry, type FsHeader, headerOf } from "@ocikit/fs";
import { describe, expect, it } from "vitest";
import { fatBootSectorFromBytes } from "./fat-boot-sector.js";
import { fatFsInfoFromBytes } from "./fat-fsinfo.js";
import { type FatOptions, planFat } from "./fat-plan.js";
import { fatTableFromBytes } from "./fat-table.js";
import { writeFat } from "./fat-writer.js";

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const fileEntry = (path: string, data: Uint8Array): FsEntry =>
  entryFromBytes({ path, type: "file", mode: 0o644, uid: 0, gid: 0, mtime: 0 }, data);
const dirEntry = (path: string): FsEntry => ({
  path,
  type: "dir",
  mode: 0o755,
  uid: 0,
  gid: 0,
  mtime: 0,
  size: 0,
  async *body() {},
});
const tree = (): FsEntry[] => [
  dirEntry("."),
  dirEntry("EFI"),
  fileEntry("EFI/BOOT/BOOTX64.EFI", bytes(70_000, 1)),
  fileEntry("empty.txt", new Uint8Array(0)),
  fileEntry("loader/entries/ocikit.conf", bytes(100, 2)),
];
async function* stream<T>(items: readonly T[]): AsyncIterable<T> {
  yield* items;
}
async function write(
  entries: FsEntry[],
  options: FatOptions = {},
  headers: FsHeader[] = entries.map(headerOf),
) {
  const layout = planFat(headers, options);
  const chunks: Uint8Array[] = [];
  for await (const chunk of writeFat(layout, stream(entries))) chunks.push(Uint8Array.from(chunk));
  return { layout, image: new Uint8Array(Buffer.concat(chunks)) };
}

describe("writeFat", () => {
  it.each(["fat12", "fat16", "fat32"] as const)("writes a %s image the plan describes", async (fatType) => {
    const { layout, image } = await write(tree(), { fatType });
    expect(image.length).toBe(layout.sizeBytes);
    const bs = fatBootSectorFromBytes(image);
    expect(bs).toEqual(layout.bootSector);
    const fatBytes = bs.fatSizeSectors * 512;
    const fat1 = image.subarray(bs.reservedSectorCount * 512, bs.reservedSectorCount * 512 + fatBytes);
    const fat2 = image.subarray(
      bs.reservedSectorCount * 512 + fatBytes,
      bs.reservedSectorCount * 512 + 2 * fatBytes,
    );
    expect(Buffer.from(fat1).equals(fat2)).toBe(true);
    const entries = fatTableFromBytes(fatType, fat1, layout.clusterCount + 2);
    const boot = layout.files[0]!;
    expect(entries[boot.firstCluster]).toBe(boot.firstCluster + 1);
    expect(entries.filter((e) => e === 0).length).toBe(layout.freeClusterCount);
    const at = layout.firstDataSector * 512 + (boot.firstCluster - 2) * layout.clusterBytes;
    expect(Buffer.from(image.subarray(at, at + 70_000)).equals(bytes(70_000, 1))).toBe(true);
    if (fatType === "fat32") {
      expect(Buffer.from(image.subarray(6 * 512, 8 * 512)).equals(image.subarray(0, 1024))).toBe(true);
      expect(fatFsInfoFromBytes(image.subarray(512, 1024))).toEqual({
        freeClusterCount: layout.freeClusterCount,
        nextFreeCluster: layout.nextFreeCluster,
      });
    }
  });

  it("writes the same bytes twice", async () => {
    const a = await write(tree());
    const b = await write(tree());
    expect(Buffer.from(a.image).equals(b.image)).toBe(true);
  });

  it("yields the metadata before it asks for the first entry", async () => {
    const layout = planFat(tree().map(headerOf), {});
    const entries: AsyncIterable<FsEntry> = {
      [Symbol.asyncIterator]: () => ({
        next: () => Promise.reject(new Error("the writer read an entry before yielding the metadata")),
      }),
    };
    const first = await writeFat(layout, entries)[Symbol.asyncIterator]().next();
    expect(first.value).toHaveLength(layout.bootSector.reservedSectorCount * 512);
  });

  it.each([
    [
      "a body shorter than its size",
      (e: FsEntry[]) => [...e.slice(0, 2), { ...e[2]!, body: () => stream([bytes(10, 1)]) }, ...e.slice(3)],
      "ISO_ENTRY_SIZE_MISMATCH",
    ],
    [
      "a body longer than its size",
      (e: FsEntry[]) => [
        ...e.slice(0, 2),
        { ...e[2]!, body: () => stream([bytes(70_000, 1), bytes(1, 1)]) },
        ...e.slice(3),
      ],
      "ISO_ENTRY_SIZE_MISMATCH",
    ],
    [
      "a size other than the planned one",
      (e: FsEntry[]) => [...e.slice(0, 2), fileEntry("EFI/BOOT/BOOTX64.EFI", bytes(5, 1)), ...e.slice(3)],
      "ISO_ENTRY_SIZE_MISMATCH",
    ],
    ["files in another order", (e: FsEntry[]) => [e[0]!, e[1]!, e[3]!, e[2]!, e[4]!], "ISO_BAD_TREE"],
    ["a file missing", (e: FsEntry[]) => e.slice(0, 4), "ISO_BAD_TREE"],
    ["a file more", (e: FsEntry[]) => [...e, fileEntry("extra", bytes(1, 0))], "ISO_BAD_TREE"],
    ["a directory not planned", (e: FsEntry[]) => [...e, dirEntry("other")], "ISO_BAD_TREE"],
    [
      "a symlink",
      (e: FsEntry[]) => [...e, { ...dirEntry("link"), type: "symlink" as const, linkTarget: "x" }],
      "ISO_BAD_TREE",
    ],
  ])("refuses a stream with %s", async (_, change, code) => {
    const planned = tree();
    await expect(write(change(tree()), {}, planned.map(headerOf))).rejects.toMatchObject({ code });
  });
});
