import { readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { PE_MACHINE_X86_64, peFileHeaderFromBytes, peFileHeaderToBytes } from "./pe-file-header.js";
import { isPeImage, readPeHeaders } from "./pe-headers.js";
import {
  PE_SUBSYSTEM_EFI_APPLICATION,
  PE32_MAGIC,
  PE32_PLUS_MAGIC,
  peOptionalHeaderFromBytes,
  peOptionalHeaderSizeBytes,
  peOptionalHeaderToBytes,
} from "./pe-optional-header.js";
import { peSectionHeaderFromBytes, peSectionHeaderToBytes } from "./pe-section-header.js";

// Real PE images made by real linkers: Debian's systemd-stub (systemd-boot-efi) and kernel (its EFI stub).
const STUB = "/usr/lib/systemd/boot/efi/linuxx64.efi.stub";
const kernel = `/boot/${readdirSync("/boot")
  .filter((name) => name.startsWith("vmlinuz-"))
  .sort()
  .at(-1)}`;

describe.each([
  ["systemd-stub", STUB],
  ["the Debian kernel", kernel],
])("PE header codecs on %s", (_name, path) => {
  it("read the headers and write each back to the same bytes", async () => {
    const image = new Uint8Array(await readFile(path));
    expect(isPeImage(image)).toBe(true);
    const headers = readPeHeaders(image);
    expect(headers.fileHeader.machine).toBe(PE_MACHINE_X86_64);
    expect(headers.optionalHeader).toMatchObject({
      magic: PE32_PLUS_MAGIC,
      subsystem: PE_SUBSYSTEM_EFI_APPLICATION,
    });
    expect(headers.optionalHeader.dataDirectories.length).toBeGreaterThan(5);
    const fileHeaderAt = headers.signatureOffset + 4;
    expect(
      Buffer.from(peFileHeaderToBytes(headers.fileHeader)).equals(
        image.subarray(fileHeaderAt, fileHeaderAt + 20),
      ),
    ).toBe(true);
    const optional = image.subarray(fileHeaderAt + 20, headers.sectionTableOffset);
    expect(peOptionalHeaderSizeBytes(headers.optionalHeader)).toBe(optional.length);
    expect(Buffer.from(peOptionalHeaderToBytes(headers.optionalHeader)).equals(optional)).toBe(true);
    headers.sections.forEach((section, i) => {
      const at = headers.sectionTableOffset + 40 * i;
      expect(Buffer.from(peSectionHeaderToBytes(section)).equals(image.subarray(at, at + 40))).toBe(true);
    });
  });
});

describe("PE header codecs", () => {
  it("name systemd-stub's sections as objdump does", async () => {
    const headers = readPeHeaders(new Uint8Array(await readFile(STUB)));
    expect(headers.sections.map((s) => s.name)).toEqual(
      expect.arrayContaining([".text", ".data", ".sbat", ".sdmagic"]),
    );
  });

  it("round-trip a PE32 optional header (BaseOfData, 32-bit ImageBase and stack sizes)", () => {
    const header = {
      ...peOptionalHeaderFromBytes(
        peOptionalHeaderToBytes({
          magic: PE32_MAGIC,
          majorLinkerVersion: 2,
          minorLinkerVersion: 40,
          sizeOfCode: 0x1000,
          sizeOfInitializedData: 0x2000,
          sizeOfUninitializedData: 0,
          addressOfEntryPoint: 0x1000,
          baseOfCode: 0x1000,
          baseOfData: 0x3000,
          imageBase: 0x400000n,
          sectionAlignment: 0x1000,
          fileAlignment: 0x200,
          majorOperatingSystemVersion: 0,
          minorOperatingSystemVersion: 0,
          majorImageVersion: 0,
          minorImageVersion: 0,
          majorSubsystemVersion: 0,
          minorSubsystemVersion: 0,
          win32VersionValue: 0,
          sizeOfImage: 0x5000,
          sizeOfHeaders: 0x400,
          checkSum: 0,
          subsystem: 10,
          dllCharacteristics: 0,
          sizeOfStackReserve: 0x100000n,
          sizeOfStackCommit: 0x1000n,
          sizeOfHeapReserve: 0x100000n,
          sizeOfHeapCommit: 0x1000n,
          loaderFlags: 0,
          dataDirectories: Array.from({ length: 16 }, (_, i) => ({ virtualAddress: i * 16, size: i })),
        }),
      ),
    };
    const bytes = peOptionalHeaderToBytes(header);
    expect(bytes.length).toBe(96 + 16 * 8);
    expect(peOptionalHeaderFromBytes(bytes)).toEqual(header);
    expect(header).toMatchObject({ baseOfData: 0x3000, imageBase: 0x400000n, sizeOfStackReserve: 0x100000n });
  });

  it("round-trip a file header and an 8-byte section name", () => {
    const fileHeader = {
      machine: 0xaa64,
      numberOfSections: 3,
      timeDateStamp: 1,
      pointerToSymbolTable: 2,
      numberOfSymbols: 3,
      sizeOfOptionalHeader: 240,
      characteristics: 0x206,
    };
    expect(peFileHeaderFromBytes(peFileHeaderToBytes(fileHeader))).toEqual(fileHeader);
    const section = {
      name: ".sdmagic",
      virtualSize: 1,
      virtualAddress: 2,
      sizeOfRawData: 3,
      pointerToRawData: 4,
      pointerToRelocations: 0,
      pointerToLinenumbers: 0,
      numberOfRelocations: 0,
      numberOfLinenumbers: 0,
      characteristics: 0x40000040,
    };
    expect(peSectionHeaderFromBytes(peSectionHeaderToBytes(section))).toEqual(section);
    expect(() => peSectionHeaderToBytes({ ...section, name: ".toolong9" })).toThrow(
      expect.objectContaining({ code: "ISO_BAD_OPTION" }),
    );
  });

  it.each([
    ["an ELF file", new Uint8Array([0x7f, 0x45, 0x4c, 0x46, ...new Uint8Array(200)])],
    [
      "an MZ header pointing past the end",
      (() => {
        const b = new Uint8Array(128);
        b.set([0x4d, 0x5a]);
        b[0x3c] = 0xff;
        return b;
      })(),
    ],
  ])("refuse %s with ISO_BAD_PE", (_name, bytes) => {
    expect(isPeImage(bytes)).toBe(false);
    expect(() => readPeHeaders(bytes)).toThrow(expect.objectContaining({ code: "ISO_BAD_PE" }));
  });

  it("refuses an optional header with an unknown magic with ISO_BAD_PE", () => {
    expect(() => peOptionalHeaderFromBytes(new Uint8Array(240))).toThrow(
      expect.objectContaining({ code: "ISO_BAD_PE" }),
    );
  });
});
