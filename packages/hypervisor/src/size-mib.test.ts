import { describe, expect, it } from "vitest";
import { parseSizeMiB } from "./size-mib.js";

describe("parseSizeMiB", () => {
  it.each([
    ["512M", "G", 512],
    ["512m", "G", 512],
    ["2G", "M", 2048],
    ["2g", "M", 2048],
    ["4", "G", 4096],
    ["4", "M", 4],
    [" 8G ", "M", 8192],
  ] as const)("reads %j (bare unit %s) as %d MiB", (text, unit, mib) => {
    expect(parseSizeMiB(text, unit)).toBe(mib);
  });

  it.each(["", "0", "0G", "-1", "1.5G", "1T", "G", "12MB", "1e3", "99999999999999999999G"])(
    "refuses %j",
    (text) => {
      expect(parseSizeMiB(text, "G")).toBeUndefined();
    },
  );
});
