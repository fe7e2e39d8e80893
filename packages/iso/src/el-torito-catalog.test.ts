import { describe, expect, it } from "vitest";
import {
  type BootCatalog,
  bootCatalogFromBytes,
  bootCatalogToBytes,
  efiSectorCount,
} from "./el-torito-catalog.js";

const entry = (platform: "bios" | "efi", loadLba: number) => ({
  platform,
  loadSegment: 0,
  systemType: 0,
  sectorCount: platform === "bios" ? 4 : 2880,
  loadLba,
});

describe("bootCatalogToBytes", () => {
  const catalog: BootCatalog = {
    idString: "OCIKIT",
    entries: [entry("bios", 30), entry("efi", 31), entry("efi", 32), entry("bios", 33)],
  };
  const bytes = bootCatalogToBytes(catalog);

  it("writes a validation entry whose words sum to zero, with the key bytes", () => {
    const view = new DataView(bytes.buffer);
    let sum = 0;
    for (let i = 0; i < 32; i += 2) sum += view.getUint16(i, true);
    expect(sum & 0xffff).toBe(0);
    expect([bytes[0], bytes[1], bytes[30], bytes[31]]).toEqual([1, 0x00, 0x55, 0xaa]);
  });

  it("groups later entries into sections by platform, the last marked final", () => {
    expect([bytes[64], bytes[65], bytes[66]]).toEqual([0x90, 0xef, 2]);
    expect([bytes[160], bytes[161], bytes[162]]).toEqual([0x91, 0x00, 1]);
    expect([bytes[32], bytes[96], bytes[128], bytes[192]]).toEqual([0x88, 0x88, 0x88, 0x88]);
  });

  it("reads back what it wrote", () => {
    expect(bootCatalogFromBytes(bytes)).toEqual(catalog);
  });

  it("names the default entry's platform in the validation entry", () => {
    expect(bootCatalogToBytes({ idString: "", entries: [entry("efi", 20)] })[1]).toBe(0xef);
  });
});

describe("efiSectorCount", () => {
  it.each([
    [1, 1],
    [1_474_560, 2880],
    [65535 * 512, 65535],
    [65535 * 512 + 1, 0],
  ])("%i bytes → %i", (size, want) => expect(efiSectorCount(size)).toBe(want));
});
