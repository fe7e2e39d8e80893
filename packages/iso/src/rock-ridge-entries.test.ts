import { describe, expect, it } from "vitest";
import {
  deviceEntry,
  nameEntries,
  splitUtf8,
  symlinkEntries,
  symlinkTargetOf,
} from "./rock-ridge-entries.js";
import { type SystemUseEntry, systemUseEntriesFromBytes, systemUseEntryToBytes } from "./system-use-entry.js";

/** Encodes and decodes entries, as a reader would see them. */
const roundTrip = (entries: readonly SystemUseEntry[]) =>
  systemUseEntriesFromBytes(Buffer.concat(entries.map((e) => systemUseEntryToBytes(e))));

describe("nameEntries (NM)", () => {
  it("splits names longer than 250 bytes with CONTINUE, between characters", () => {
    const name = `${"名".repeat(84)}x`; // 253 bytes
    const entries = roundTrip(nameEntries(name));
    expect(entries.map((e) => (e.signature === "NM" ? [e.continues, e.name.length] : []))).toEqual([
      [true, 83],
      [false, 2],
    ]);
    expect(entries.map((e) => (e.signature === "NM" ? e.name : "")).join("")).toBe(name);
  });
});

describe("symlinkEntries (SL)", () => {
  it.each([
    ["../etc/hosts", "../etc/hosts"],
    ["/run/resolvconf/resolv.conf", "/run/resolvconf/resolv.conf"],
    ["/", "/"],
    [".", "."],
    ["a//b/", "a/b"],
    ["./x/../y", "./x/../y"],
    [`/${"t".repeat(600)}/x`, `/${"t".repeat(600)}/x`],
    [`${"名".repeat(200)}/😀`, `${"名".repeat(200)}/😀`],
    [Array.from({ length: 200 }, () => "..").join("/"), Array.from({ length: 200 }, () => "..").join("/")],
  ])("writes %j so that it reads back as %j, in entries of at most 255 bytes", (target, want) => {
    const entries = symlinkEntries(target);
    for (const e of entries) expect(systemUseEntryToBytes(e).length).toBeLessThanOrEqual(255);
    const read = roundTrip(entries);
    expect(read.map((e) => e.signature === "SL" && e.continues)).toEqual(
      entries.map((_, i) => i < entries.length - 1),
    );
    expect(symlinkTargetOf(read.flatMap((e) => (e.signature === "SL" ? e.components : [])))).toBe(want);
  });
});

describe("deviceEntry (PN)", () => {
  it.each([
    [5, 1, 0, 0x0501],
    [8, 0, 0, 0x0800],
    [4095, 255, 0, 0x0fffff],
    [4096, 1, 4096, 1],
    [10, 300, 10, 300],
  ])("%i,%i as high %i low %i", (major, minor, devHigh, devLow) => {
    expect(deviceEntry(major, minor)).toEqual({ signature: "PN", devHigh, devLow });
  });
});

describe("splitUtf8", () => {
  it("keeps code points whole", () => {
    expect(splitUtf8("ab名😀", 4)).toEqual(["ab", "名", "😀"]);
    expect(splitUtf8("", 4)).toEqual([""]);
  });
});
