import { describe, expect, it } from "vitest";
import { parseMemory } from "./memory-size.js";

describe("parseMemory", () => {
  it.each([
    ["1024", 1024],
    ["512M", 512],
    ["2G", 2048],
  ])("reads %j as %d MiB", (value, mib) => {
    expect(parseMemory(value)).toBe(mib);
  });

  it.each(["", "0", "1.5", "lots", "-512"])("refuses %j with HV_BAD_OPTION", (value) => {
    expect(() => parseMemory(value)).toThrow(expect.objectContaining({ code: "HV_BAD_OPTION" }));
    expect(() => parseMemory(value)).toThrow(`--mem "${value}"`);
  });
});
