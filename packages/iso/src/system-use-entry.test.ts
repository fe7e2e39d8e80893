import { describe, expect, it } from "vitest";
import {
  type SystemUseEntry,
  suspSkipBytesOf,
  systemUseEntriesFromBytes,
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
