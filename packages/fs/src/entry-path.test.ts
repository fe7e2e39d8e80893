import { describe, expect, it } from "vitest";
import { isWithin, joinEntryPath, normalizeEntryPath, parentPath } from "./entry-path.js";

describe("normalizeEntryPath", () => {
  it.each([
    ["etc/hosts", "etc/hosts"],
    ["./etc/hosts", "etc/hosts"],
    ["/etc/hosts", "etc/hosts"],
    ["etc//hosts/", "etc/hosts"],
    ["./", "."],
    ["/", "."],
    ["", "."],
    ["../../etc/passwd", "etc/passwd"],
    ["a/../../b", "b"],
    ["a/b/../c", "a/c"],
    ["a\\..\\b", "a\\..\\b"],
  ])("%j → %j", (input, want) => {
    expect(normalizeEntryPath(input)).toBe(want);
  });

  it("joins and splits", () => {
    expect(joinEntryPath(".", "x")).toBe("x");
    expect(joinEntryPath("a/b", "../c")).toBe("a/c");
    expect(parentPath("a/b/c")).toBe("a/b");
    expect(parentPath("a")).toBe(".");
    expect(isWithin("a/b", "a")).toBe(true);
    expect(isWithin("ab", "a")).toBe(false);
    expect(isWithin("x", ".")).toBe(true);
  });
});
