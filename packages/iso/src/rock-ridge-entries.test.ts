import { describe, expect, it } from "vitest";
import {
  deviceEntry,
  deviceNumbersOf,
  nameEntries,
  posixEntry,
  rockRidgeAttributesOf,
  splitUtf8,
  symlinkEntries,
  symlinkTargetOf,
  timeEntry,
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

describe("deviceNumbersOf (reading PN)", () => {
  it.each([
    [5, 1],
    [0, 0],
    [0, 255],
    [4095, 255],
    [4096, 1],
    [10, 300],
    [259, 70000],
  ])("reads back what deviceEntry writes for %i,%i", (major, minor) => {
    const pn = roundTrip([deviceEntry(major, minor)])[0]!;
    expect(pn.signature === "PN" && deviceNumbersOf(pn.devHigh, pn.devLow)).toEqual({
      devMajor: major,
      devMinor: minor,
    });
  });

  it("reads a glibc dev_t in the low field (genisoimage, xorriso): makedev(8, 300)", () => {
    const dev = (8 << 8) | (300 & 0xff) | ((300 & ~0xff) << 12);
    expect(deviceNumbersOf(0, dev)).toEqual({ devMajor: 8, devMinor: 300 });
  });
});

describe("rockRidgeAttributesOf", () => {
  it.each<[string, SystemUseEntry[], object]>([
    [
      "a file",
      [posixEntry("file", 0o4755, 2, 1000, 100), timeEntry(1_600_000_000), ...nameEntries("名".repeat(84))],
      {
        type: "file",
        mode: 0o4755,
        nlink: 2,
        uid: 1000,
        gid: 100,
        mtime: 1_600_000_000,
        name: "名".repeat(84),
      },
    ],
    [
      "a symlink",
      [
        posixEntry("symlink", 0o777, 1, 0, 0),
        ...nameEntries("l"),
        ...symlinkEntries(`/${"t".repeat(600)}/x`),
      ],
      { type: "symlink", mode: 0o777, name: "l", linkTarget: `/${"t".repeat(600)}/x` },
    ],
    [
      "a device",
      [posixEntry("block", 0o660, 1, 0, 6), deviceEntry(10, 300)],
      { type: "block", devMajor: 10, devMinor: 300 },
    ],
    [
      "relocation entries",
      [{ signature: "CL", lba: 40 }, { signature: "PL", lba: 30 }, { signature: "RE" }],
      { childLinkLba: 40, parentLinkLba: 30, relocated: true },
    ],
    [
      "a socket (no FsEntry type)",
      [{ signature: "PX", mode: 0o140755, nlink: 1, uid: 0, gid: 0 }],
      { mode: 0o755 },
    ],
  ])("reads back %s", (_name, entries, want) => {
    const attributes = rockRidgeAttributesOf(roundTrip(entries));
    expect(attributes).toMatchObject(want);
    if (!("type" in want)) expect(attributes.type).toBeUndefined();
  });

  it("has no name or target without NM or SL, and is not relocated without RE", () => {
    expect(rockRidgeAttributesOf([timeEntry(5)])).toEqual({ mtime: 5, relocated: false });
  });
});

describe("splitUtf8", () => {
  it("keeps code points whole", () => {
    expect(splitUtf8("ab名😀", 4)).toEqual(["ab", "名", "😀"]);
    expect(splitUtf8("", 4)).toEqual([""]);
  });
});
