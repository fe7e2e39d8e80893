import { describe, expect, it } from "vitest";
import { closestMatch, didYouMean, editDistance } from "./did-you-mean.js";

describe("did you mean", () => {
  it("measures edits, counting a transposition as one", () => {
    expect(editDistance("onboot", "onbot")).toBe(1);
    expect(editDistance("servcies", "services")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
  });

  it.each([
    ["onbot", "onboot"],
    ["servces", "services"],
    ["OOMSCOREADJ", "oomScoreAdj"],
    ["capabilites", "capabilities"],
  ])("suggests %s → %s", (input, want) => {
    expect(closestMatch(input, ["onboot", "services", "oomScoreAdj", "capabilities", "init"])).toBe(want);
  });

  it("suggests nothing for unrelated words", () => {
    expect(closestMatch("zzzzzz", ["onboot", "init"])).toBeUndefined();
    expect(didYouMean("zzzzzz", ["onboot"])).toBe("");
    expect(didYouMean("inti", ["init"])).toBe('; did you mean "init"?');
  });
});
