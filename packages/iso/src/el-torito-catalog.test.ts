import { describe, expect, it } from "vitest";
import {
  type BootCatalog,
  type BootCatalogEntry,
  bootCatalogFromBytes,
  bootCatalogToBytes,
  efiSectorCount,
} from "./el-torito-catalog.js";

const entry = (platform: "bios" | "efi", loadLba: number): BootCatalogEntry => ({
  platform,
  bootable: true,
  emulation: "none",
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

  it("writes bootable no-emulation entries when bootable and emulation are not given (planIso's)", () => {
    const { bootable: _b, emulation: _e, ...bare } = entry("bios", 30);
    expect(Buffer.from(bootCatalogToBytes({ idString: "X", entries: [bare] }))).toEqual(
      Buffer.from(bootCatalogToBytes({ idString: "X", entries: [entry("bios", 30)] })),
    );
  });
});

describe("bootCatalogFromBytes", () => {
  it.each<[string, BootCatalogEntry[]]>([
    ["other platforms (PowerPC, Mac) as numbers", [entry("bios", 20), { ...entry("bios", 21), platform: 1 }]],
    [
      "entries not bootable and emulations",
      [
        { ...entry("bios", 20), emulation: "floppy-1.44m", sectorCount: 1 },
        { ...entry("bios", 21), bootable: false, emulation: "hard-disk" },
        { ...entry("efi", 22), emulation: "floppy-2.88m" },
        { ...entry("efi", 23), emulation: 7 },
      ],
    ],
  ])("reads back %s", (_name, entries) => {
    const bytes = bootCatalogToBytes({ idString: "ID", entries });
    expect(bootCatalogFromBytes(bytes)).toEqual({ idString: "ID", entries });
    expect(Buffer.from(bootCatalogToBytes(bootCatalogFromBytes(bytes)!))).toEqual(Buffer.from(bytes));
  });

  it("skips extension entries (0x44) after a section entry", () => {
    const bytes = bootCatalogToBytes({ idString: "", entries: [entry("bios", 20), entry("efi", 21)] });
    // Move the section entry one slot on and put an extension entry before it: the count stays 1.
    const withExtension = Uint8Array.from(bytes);
    withExtension.copyWithin(128, 96, 128);
    withExtension.fill(0, 96, 128);
    withExtension[96] = 0x44;
    expect(bootCatalogFromBytes(withExtension)?.entries.map((e) => e.loadLba)).toEqual([20, 21]);
  });

  it("stops at the end of the sector when a section header counts more entries than fit", () => {
    const bytes = Uint8Array.from(
      bootCatalogToBytes({ idString: "", entries: [entry("bios", 20), entry("efi", 21)] }),
    );
    bytes[66] = 0xff; // the section's entry count: 255; the default entry and every slot after fit
    expect(bootCatalogFromBytes(bytes)?.entries.length).toBe(1 + (2048 - 96) / 32);
  });

  const spoiled = (at: number, value: number) => {
    const bytes = Uint8Array.from(bootCatalogToBytes({ idString: "", entries: [entry("bios", 20)] }));
    bytes[at] = value;
    return bytes;
  };
  it.each([
    ["a bad checksum", spoiled(28, 0)],
    ["no 55 AA", spoiled(31, 0)],
    ["a short sector", bootCatalogToBytes({ idString: "", entries: [entry("bios", 20)] }).subarray(0, 64)],
  ])("refuses a catalog with %s", (_name, bytes) => {
    expect(bootCatalogFromBytes(bytes)).toBeUndefined();
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
