import { describe, expect, it } from "vitest";
import {
  type SystemUseEntry,
  suspSkipBytesOf,
  systemUseEntriesFromBytes,
  systemUseEntryLength,
  systemUseEntryToBytes,
} from "./system-use-entry.js";

describe("system use entries", () => {
  it.each<SystemUseEntry>([
    { signature: "SP" },
    { signature: "CE", lba: 40, offset: 100, length: 300 },
    { signature: "PX", mode: 0o104755, nlink: 1, uid: 1000, gid: 100 },
    { signature: "PN", devHigh: 10, devLow: 300 },
    { signature: "NM", continues: true, name: "名前" },
    { signature: "TF", modify: 1_600_000_000, access: 1_600_000_001, attributes: 1_600_000_002 },
    { signature: "CL", lba: 33 },
    { signature: "PL", lba: 34 },
    { signature: "RE" },
    { signature: "unknown", name: "AL", data: Uint8Array.of(1, 2, 3) },
  ])("reads back $signature", (entry) => {
    expect(systemUseEntriesFromBytes(systemUseEntryToBytes(entry))).toEqual([entry]);
  });

  it.each<[string, SystemUseEntry]>([
    ["SP", { signature: "SP" }],
    ["CE", { signature: "CE", lba: 40, offset: 100, length: 300 }],
    [
      "ER",
      { signature: "ER", identifier: "RRIP_1991A", descriptor: "dé", source: "日本", extensionVersion: 1 },
    ],
    ["PX", { signature: "PX", mode: 0o100644, nlink: 1, uid: 0, gid: 0 }],
    ["PN", { signature: "PN", devHigh: 1, devLow: 2 }],
    ["NM of ASCII", { signature: "NM", continues: false, name: "name.txt" }],
    ["NM of 2- and 3-byte characters", { signature: "NM", continues: true, name: "é名前" }],
    ["NM of a surrogate pair", { signature: "NM", continues: false, name: "a😀b" }],
    ["NM of lone surrogates", { signature: "NM", continues: false, name: "\uD800x\uDC00\uD83D" }],
    [
      "SL",
      {
        signature: "SL",
        continues: false,
        components: [
          { kind: "root", text: "", continues: false },
          { kind: "parent", text: "..", continues: false },
          { kind: "current", text: ".", continues: false },
          { kind: "name", text: "dir😀é", continues: true },
        ],
      },
    ],
    ["TF with one time", { signature: "TF", modify: 1 }],
    ["TF with four times", { signature: "TF", creation: 1, modify: 2, access: 3, attributes: 4 }],
    ["CL", { signature: "CL", lba: 33 }],
    ["PL", { signature: "PL", lba: 34 }],
    ["RE", { signature: "RE" }],
    ["unknown", { signature: "unknown", name: "AL", data: Uint8Array.of(1, 2, 3) }],
  ])("counts the encoded length of %s", (_name, entry) => {
    expect(systemUseEntryLength(entry)).toBe(systemUseEntryToBytes(entry).length);
  });

  it("stops at ST and at padding", () => {
    const area = Buffer.concat([
      systemUseEntryToBytes({ signature: "RE" }),
      Buffer.from([0x53, 0x54, 4, 1]), // ST
      systemUseEntryToBytes({ signature: "RE" }),
    ]);
    expect(systemUseEntriesFromBytes(area)).toEqual([{ signature: "RE" }]);
    expect(systemUseEntriesFromBytes(Uint8Array.of(0))).toEqual([]);
  });
});

describe("suspSkipBytesOf", () => {
  it.each([
    ["the SP entry we write", systemUseEntryToBytes({ signature: "SP" }), 0],
    ["an SP entry with LEN_SKP 14", Uint8Array.of(0x53, 0x50, 7, 1, 0xbe, 0xef, 14), 14],
    ["an SP entry with wrong check bytes", Uint8Array.of(0x53, 0x50, 7, 1, 0xbe, 0xee, 0), undefined],
    ["an area opening with another entry", systemUseEntryToBytes({ signature: "RE" }), undefined],
    ["an empty area", new Uint8Array(0), undefined],
  ])("reads %s as %s", (_name, area, want) => {
    expect(suspSkipBytesOf(area)).toBe(want);
  });
});
