import { describe, expect, it } from "vitest";
import {
  deriveGuid,
  EFI_SYSTEM_PARTITION_TYPE_GUID,
  guidFromBytes,
  guidToBytes,
  isGuid,
  LINUX_FILESYSTEM_TYPE_GUID,
  normalizeGuid,
} from "./gpt-guid.js";

describe("GPT GUIDs", () => {
  it.each([
    // The ESP type as it sits in every GPT entry (UEFI 2.10 §5.3.3).
    [EFI_SYSTEM_PARTITION_TYPE_GUID, "28732ac11ff8d211ba4b00a0c93ec93b"],
    [LINUX_FILESYSTEM_TYPE_GUID, "af3dc60f838472478e793d69d8477de4"],
    ["00112233-4455-6677-8899-aabbccddeeff", "3322110055447766" + "8899aabbccddeeff"],
  ])("stores %s mixed-endian and reads it back", (guid, hex) => {
    const bytes = guidToBytes(guid);
    expect(Buffer.from(bytes).toString("hex")).toBe(hex);
    expect(guidFromBytes(bytes)).toBe(guid.toUpperCase());
  });

  it.each([["not-a-guid"], ["C12A7328F81F11D2BA4B00A0C93EC93B"], ["C12A7328-F81F-11D2-BA4B-00A0C93EC93"]])(
    "refuses %s with ISO_BAD_OPTION",
    (guid) => {
      expect(isGuid(guid)).toBe(false);
      expect(() => normalizeGuid(guid)).toThrow(expect.objectContaining({ code: "ISO_BAD_OPTION" }));
      expect(() => guidToBytes(guid)).toThrow(expect.objectContaining({ code: "ISO_BAD_OPTION" }));
    },
  );

  it("derives the same version-4 GUID from the same seed, and different ones from different seeds", () => {
    const a = deriveGuid("layout:disk");
    expect(deriveGuid("layout:disk")).toBe(a);
    expect(deriveGuid("layout:partition:0")).not.toBe(a);
    expect(a).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
    expect(isGuid(a)).toBe(true);
  });
});
