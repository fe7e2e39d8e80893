import { describe, expect, it } from "vitest";
import { medianDifference, medianOf, medianRatio } from "./paired-rounds.js";

describe("medians of paired rounds", () => {
  it.each<[string, number[], number]>([
    ["an odd count", [3, 1, 2], 2],
    ["an even count (the upper middle)", [4, 1, 3, 2], 3],
    ["one value", [7], 7],
    ["none", [], Number.NaN],
  ])("takes the median of %s", (_, values, want) => expect(medianOf(values)).toBe(want));

  it("pairs rounds by index: the median of the ratios, not the ratio of the medians", () => {
    // Ratios 2, 1.5, 1.2: median 1.5; the medians' ratio would be 20 / 10 = 2.
    expect(medianRatio([10, 30, 60], [5, 20, 50])).toBe(1.5);
    expect(medianDifference([10, 30, 60], [5, 20, 50])).toBe(10);
  });

  it("leaves out a round without a pair", () => {
    expect(medianRatio([10, 20, 99], [10, 10])).toBe(2);
  });
});
