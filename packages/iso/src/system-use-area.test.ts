import { describe, expect, it } from "vitest";
import { nameEntries, posixEntry, timeEntry } from "./rock-ridge-entries.js";
import { continuationAreaLength, placeContinuationAreas, splitSystemUse } from "./system-use-area.js";
import { CE_LENGTH, systemUseEntryLength } from "./system-use-entry.js";

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
