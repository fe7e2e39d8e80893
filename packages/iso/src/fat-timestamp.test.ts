import { describe, expect, it } from "vitest";
import { fatTimestampOf, secondsOfFatTimestamp } from "./fat-timestamp.js";

describe("FAT timestamps", () => {
  it.each([
    // LinuxKit's 2017-04-18T16:30:00Z, as mcopy stamped it in test-fixtures/iso/fat (0x4A92, 0x83C0).
    [1_492_533_000, { date: 0x4a92, time: 0x83c0, hundredths: 0 }],
    // An odd second goes to DIR_CrtTimeTenth, which counts hundredths up to 199.
    [1_492_533_001.5, { date: 0x4a92, time: 0x83c0, hundredths: 150 }],
    // The ends of FAT's range, and times outside it clamped to them.
    [Date.UTC(1980, 0, 1) / 1000, { date: 0x0021, time: 0, hundredths: 0 }],
    [0, { date: 0x0021, time: 0, hundredths: 0 }],
    [
      Date.UTC(2200, 0, 1) / 1000,
      { date: (127 << 9) | (12 << 5) | 31, time: (23 << 11) | (59 << 5) | 29, hundredths: 199 },
    ],
  ])("stamps %s", (seconds, want) => expect(fatTimestampOf(seconds)).toEqual(want));

  it("reads back what it writes", () => {
    for (const seconds of [315_532_800, 1_492_533_000, 1_700_000_001, 4_000_000_000])
      expect(secondsOfFatTimestamp(fatTimestampOf(seconds))).toBe(seconds);
  });
});
