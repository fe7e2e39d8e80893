import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPeHeaders } from "./pe-headers.js";
import { peOptionalHeaderToBytes } from "./pe-optional-header.js";
import { assembleUki, UKI_SECTION_ORDER, type UkiOptions, writeUki } from "./uki.js";
import { planUki } from "./uki-plan.js";

const run = promisify(execFile);
const STUB = "/usr/lib/systemd/boot/efi/linuxx64.efi.stub";
const KERNEL = `/boot/${readdirSync("/boot")
  .filter((name) => name.startsWith("vmlinuz-"))
  .sort()
  .at(-1)}`;

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return new Uint8Array(Buffer.concat(parts));
}

/** objdump -h's section lines: name, size, VMA, file offset, in table order. */
function objdumpSections(listing: string) {
  return [
    ...listing.matchAll(/^\s*\d+\s+(\S+)\s+([0-9a-f]{8})\s+([0-9a-f]{16})\s+[0-9a-f]{16}\s+([0-9a-f]{8})/gm),
  ].map(([, name, size, vma, fileOffset]) => ({
    name: name!,
    size: Number.parseInt(size!, 16),
    vma: Number.parseInt(vma!, 16),
    fileOffset: Number.parseInt(fileOffset!, 16),
  }));
}

describe("assembleUki on Debian's systemd-stub and kernel, read back by binutils", () => {
  let dir: string;
  let path: string;
  let options: UkiOptions;
  let uki: Uint8Array;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ocikit-uki-"));
    path = join(dir, "uki.efi");
    options = {
      stub: new Uint8Array(await readFile(STUB)),
      osRelease: 'NAME="ocikit test"\nID=ocikit\n',
      cmdline: "console=ttyS0 panic=-1",
      uname: "6.1.0-test-amd64",
      linux: new Uint8Array(await readFile(KERNEL)),
      initrd: Uint8Array.from({ length: 100_001 }, (_, i) => (i * 13) & 0xff),
    };
    uki = assembleUki(options);
    await writeFile(path, uki);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("appends .osrel .cmdline .uname .initrd .linux after the stub's sections, as ukify orders them", async () => {
    const { stdout } = await run("objdump", ["-h", path]);
    expect(stdout).toContain("file format pei-x86-64");
    const sections = objdumpSections(stdout);
    const stub = readPeHeaders(options.stub);
    expect(sections.map((s) => s.name)).toEqual([...stub.sections.map((s) => s.name), ...UKI_SECTION_ORDER]);
    // VMAs ascend without overlap, each new one on the stub's SectionAlignment, file data on FileAlignment.
    const { sectionAlignment, fileAlignment } = stub.optionalHeader;
    const added = sections.slice(stub.sections.length);
    for (const [i, s] of sections.entries())
      if (i > 0) expect(s.vma).toBeGreaterThanOrEqual(sections[i - 1]!.vma + sections[i - 1]!.size);
    for (const s of added) {
      expect(s.vma % sectionAlignment).toBe(0);
      expect(s.fileOffset % fileAlignment).toBe(0);
    }
    // By hand from ukify's rules: .osrel follows .sdmagic (0x19100 + 0x34) on the next 0x200, and its
    // data starts where the stub's symbol table began (0x11400), which is dropped.
    expect(added[0]).toMatchObject({
      name: ".osrel",
      vma: 0x19200,
      fileOffset: 0x11400,
      size: options.osRelease.length,
    });
    // objdump shows a PE section's size as the smaller of VirtualSize and SizeOfRawData; .linux's
    // VirtualSize is the kernel's SizeOfImage (memory it decompresses into), larger than its file.
    expect(added.at(-1)).toMatchObject({
      name: ".linux",
      size: Math.ceil(options.linux.length / 0x200) * 0x200,
    });
    const linux = readPeHeaders(uki).sections.at(-1)!;
    expect(linux.virtualSize).toBe(readPeHeaders(options.linux).optionalHeader.sizeOfImage);
    expect(linux.virtualSize).toBeGreaterThan(options.linux.length);
  });

  it("updates NumberOfSections, SizeOfImage, SizeOfInitializedData and CheckSum as ukify does", async () => {
    const stub = readPeHeaders(options.stub);
    const headers = readPeHeaders(uki);
    const last = headers.sections.at(-1)!;
    expect(headers.fileHeader).toMatchObject({
      numberOfSections: stub.sections.length + 5,
      pointerToSymbolTable: 0,
      numberOfSymbols: 0,
    });
    expect(headers.fileHeader.characteristics & 0x0008).toBe(0x0008);
    const added = headers.sections.slice(stub.sections.length);
    expect(headers.optionalHeader).toMatchObject({
      checkSum: 0,
      sizeOfImage: Math.ceil((last.virtualAddress + last.virtualSize) / 0x200) * 0x200,
      sizeOfInitializedData:
        stub.optionalHeader.sizeOfInitializedData + added.reduce((sum, s) => sum + s.virtualSize, 0),
      sizeOfCode: stub.optionalHeader.sizeOfCode,
      addressOfEntryPoint: stub.optionalHeader.addressOfEntryPoint,
    });
    expect(added.map((s) => s.characteristics.toString(16))).toEqual([
      "40000040",
      "40000040",
      "40000040",
      "40000040",
      "40000020",
    ]);
    const { stdout } = await run("objdump", ["-p", path]);
    expect(stdout).toMatch(
      new RegExp(`SizeOfImage\\s+0*${headers.optionalHeader.sizeOfImage.toString(16)}\\b`),
    );
    expect(stdout).toMatch(/Subsystem\s+0000000a\s+\(EFI application\)/);
  });

  it("keeps the stub's own bytes: every stub section's data is where it was", () => {
    for (const section of readPeHeaders(options.stub).sections) {
      const at = section.pointerToRawData;
      expect(
        Buffer.from(uki.subarray(at, at + section.sizeOfRawData)).equals(
          options.stub.subarray(at, at + section.sizeOfRawData),
        ),
      ).toBe(true);
    }
  });

  it.each([
    [".osrel", () => new TextEncoder().encode(options.osRelease)],
    [".cmdline", () => new TextEncoder().encode(options.cmdline)],
    [".uname", () => new TextEncoder().encode(options.uname)],
    [".initrd", () => options.initrd],
    [".linux", () => options.linux],
  ])("holds %s's contents (objcopy --dump-section)", async (name, want) => {
    const out = join(dir, `${name.slice(1)}.bin`);
    await run("objcopy", ["--dump-section", `${name}=${out}`, path, join(dir, "scratch.efi")]);
    const dumped = await readFile(out);
    const expected = want();
    // objcopy dumps VirtualSize bytes: .linux's is the kernel's SizeOfImage, zero past the file.
    expect(Buffer.from(dumped.subarray(0, expected.length)).equals(Buffer.from(expected))).toBe(true);
    expect(dumped.subarray(expected.length).every((b) => b === 0)).toBe(true);
  });

  it("streams the same bytes with writeUki, and writes the same bytes twice", async () => {
    const { initrd, ...rest } = options;
    async function* body() {
      for (let i = 0; i < initrd.length; i += 7000) yield initrd.subarray(i, i + 7000);
    }
    const streamed = await collect(writeUki({ ...rest, initrd: { sizeBytes: initrd.length, body: body() } }));
    expect(Buffer.from(streamed).equals(Buffer.from(uki))).toBe(true);
    expect(Buffer.from(assembleUki(options)).equals(Buffer.from(uki))).toBe(true);
  });

  it("leaves .uname out when no kernel release is given", () => {
    const headers = readPeHeaders(assembleUki({ ...options, uname: undefined }));
    expect(headers.sections.slice(-4).map((s) => s.name)).toEqual([
      ".osrel",
      ".cmdline",
      ".initrd",
      ".linux",
    ]);
  });

  it("refuses an initrd body of another length than declared with ISO_ENTRY_SIZE_MISMATCH", async () => {
    const { initrd: _initrd, ...rest } = options;
    async function* short() {
      yield new Uint8Array(10);
    }
    await expect(
      collect(writeUki({ ...rest, initrd: { sizeBytes: 11, body: short() } })),
    ).rejects.toMatchObject({
      code: "ISO_ENTRY_SIZE_MISMATCH",
    });
    await expect(
      collect(writeUki({ ...rest, initrd: { sizeBytes: 9, body: short() } })),
    ).rejects.toMatchObject({
      code: "ISO_ENTRY_SIZE_MISMATCH",
    });
  });

  /** A copy of the stub with its optional header changed. */
  function stubWith(change: (o: ReturnType<typeof readPeHeaders>["optionalHeader"]) => object): Uint8Array {
    const copy = options.stub.slice();
    const headers = readPeHeaders(copy);
    copy.set(
      peOptionalHeaderToBytes({ ...headers.optionalHeader, ...change(headers.optionalHeader) }),
      headers.signatureOffset + 24,
    );
    return copy;
  }

  it.each([
    [
      "a signed stub",
      () =>
        stubWith((o) => ({
          dataDirectories: o.dataDirectories.map((d, i) =>
            i === 4 ? { virtualAddress: 0x20000, size: 8 } : d,
          ),
        })),
    ],
    ["a stub without room for 5 more section headers", () => stubWith(() => ({ sizeOfHeaders: 0x200 }))],
    [
      "a stub that already has an .osrel section",
      () => {
        const copy = options.stub.slice();
        const headers = readPeHeaders(copy);
        const sdmagic =
          headers.sectionTableOffset + 40 * headers.sections.findIndex((s) => s.name === ".sdmagic");
        copy.set(new TextEncoder().encode(".osrel\0\0"), sdmagic);
        return copy;
      },
    ],
    ["a file that is not a PE image", () => new Uint8Array(4096)],
  ])("refuses %s with ISO_BAD_PE", (_name, makeStub) => {
    expect(() => assembleUki({ ...options, stub: makeStub() })).toThrow(
      expect.objectContaining({ code: "ISO_BAD_PE" }),
    );
  });

  it("places sections of a kernel that is not a PE image by their length", () => {
    const plan = planUki(options.stub, [{ name: ".linux", sizeBytes: 1000 }]);
    expect(plan.sections[0]).toMatchObject({
      virtualSize: 1000,
      sizeOfRawData: 1024,
      virtualAddress: 0x19200,
    });
    expect(plan.sizeOfImage).toBe(0x19200 + 0x400);
  });
});
