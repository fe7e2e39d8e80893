import { describe, expect, it } from "vitest";
import { nameEntries, posixEntry, timeEntry } from "./rock-ridge-entries.js";
import {
  type ContinuationAreaPlace,
  continuationAreaLength,
  gatherSystemUseEntries,
  placeContinuationAreas,
  splitSystemUse,
} from "./system-use-area.js";
import {
  CE_LENGTH,
  type SystemUseEntry,
  systemUseEntryLength,
  systemUseEntryToBytes,
} from "./system-use-entry.js";

const bytes = (entries: readonly Parameters<typeof systemUseEntryLength>[0][]) =>
  entries.reduce((sum, e) => sum + systemUseEntryLength(e), 0);

describe("splitSystemUse", () => {
  const entries = [posixEntry("file", 0o644, 1, 0, 0), timeEntry(0), ...nameEntries("n".repeat(255))];

  it("keeps everything in the record when it fits", () => {
    const small = entries.slice(0, 2);
    expect(splitSystemUse(small, 200)).toEqual({ inline: small, continuations: [] });
  });

  it("moves what does not fit to continuation areas, in order, leaving room for the CE", () => {
    const split = splitSystemUse(entries, 150);
    expect(bytes(split.inline) + CE_LENGTH).toBeLessThanOrEqual(150);
    expect([...split.inline, ...split.continuations.flat()]).toEqual(entries);
    expect(split.continuations).toHaveLength(1);
  });

  it("chains continuation areas when one sector is not enough", () => {
    const many = Array.from({ length: 12 }, () => nameEntries("m".repeat(250))).flat();
    const split = splitSystemUse(many, 100);
    expect(split.continuations.length).toBeGreaterThan(1);
    split.continuations.forEach((area, i) => {
      expect(continuationAreaLength(area, i < split.continuations.length - 1)).toBeLessThanOrEqual(2048);
    });
    expect([...split.inline, ...split.continuations.flat()]).toEqual(many);
  });
});

describe("placeContinuationAreas", () => {
  it("packs areas into sectors without crossing a sector boundary", () => {
    expect(placeContinuationAreas([1000, 1000, 100, 2048, 1], 40)).toEqual({
      places: [
        { lba: 40, offset: 0 },
        { lba: 40, offset: 1000 },
        { lba: 41, offset: 0 },
        { lba: 42, offset: 0 },
        { lba: 43, offset: 0 },
      ],
      sectors: 4,
    });
    expect(placeContinuationAreas([], 40)).toEqual({ places: [], sectors: 0 });
  });
});

describe("gatherSystemUseEntries", () => {
  const encode = (entries: readonly SystemUseEntry[]) =>
    Buffer.concat(entries.map((e) => systemUseEntryToBytes(e)));
  /** Lays `entries` out as the planner does: the record's area and continuation areas from sector 40. */
  function laidOut(entries: readonly SystemUseEntry[], capacity: number) {
    const { inline, continuations } = splitSystemUse(entries, capacity);
    const lengths = continuations.map((area, i) =>
      continuationAreaLength(area, i < continuations.length - 1),
    );
    const { places } = placeContinuationAreas(lengths, 40);
    const ce = (i: number): SystemUseEntry => ({ signature: "CE", ...places[i]!, length: lengths[i]! });
    const image = new Uint8Array(2048 * 50);
    continuations.forEach((area, i) => {
      const bytes = encode(i < continuations.length - 1 ? [...area, ce(i + 1)] : area);
      image.set(bytes, places[i]!.lba * 2048 + places[i]!.offset);
    });
    const record = encode(continuations.length > 0 ? [...inline, ce(0)] : inline);
    const read = async ({ lba, offset, length }: ContinuationAreaPlace) =>
      image.subarray(lba * 2048 + offset, lba * 2048 + offset + length);
    return { record, read, areas: continuations.length };
  }

  it.each([
    ["all in the record", [posixEntry("file", 0o644, 1, 0, 0), timeEntry(0)], 200, 0],
    ["one continuation area", [posixEntry("file", 0o644, 1, 0, 0), ...nameEntries("n".repeat(253))], 150, 1],
    ["a chain of them", Array.from({ length: 12 }, () => nameEntries("m".repeat(250))).flat(), 100, 2],
  ])("reads back entries laid out %s, in order, without the CEs", async (_name, entries, capacity, areas) => {
    const { record, read, areas: made } = laidOut(entries, capacity);
    expect(made).toBeGreaterThanOrEqual(areas);
    expect(await gatherSystemUseEntries(record, read)).toEqual(entries);
  });

  it("refuses a CE chain that loops (ISO_BAD_IMAGE), after 32 areas", async () => {
    const loop = encode([{ signature: "CE", lba: 7, offset: 0, length: CE_LENGTH }]);
    let reads = 0;
    const read = async () => {
      reads++;
      return loop;
    };
    await expect(gatherSystemUseEntries(loop, read)).rejects.toMatchObject({ code: "ISO_BAD_IMAGE" });
    expect(reads).toBe(32);
  });
});
