/**
 * Just enough of ELF (System V ABI, "Object Files") to put a binary's dependencies into an image:
 * the program interpreter (`PT_INTERP`) and the `DT_NEEDED` libraries of an executable or shared
 * library, and the `key=value` strings of a kernel module's `.modinfo` section (`depends=` names the
 * modules it needs). 64-bit little-endian files only (amd64, arm64); 32-bit and big-endian files are
 * refused. Reads section headers, so a file stripped of them (`sstrip`) is refused too.
 */
import { TestImagesError } from "./errors.js";

/** What a dynamically linked file needs at load time. */
export interface ElfDependencies {
  /** The program interpreter, e.g. `/lib64/ld-linux-x86-64.so.2`; none for static binaries and libraries. */
  readonly interpreter?: string;
  /** The sonames of `DT_NEEDED`, in file order, e.g. `libc.so.6`. */
  readonly needed: readonly string[];
}

const PT_INTERP = 3;
const SHT_DYNAMIC = 6;
const DT_NULL = 0n;
const DT_NEEDED = 1n;

interface Section {
  readonly name: number;
  readonly type: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
}

/** A checked view of an ELF64 little-endian file. */
class ElfFile {
  private readonly view: DataView;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly path: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const magic = bytes.length >= 64 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c;
    if (!magic || bytes[3] !== 0x46) this.fail("not an ELF file");
    if (bytes[4] !== 2 || bytes[5] !== 1) this.fail("not a 64-bit little-endian ELF file");
  }

  fail(detail: string): never {
    throw new TestImagesError(
      "TEST_IMAGES_BAD_ELF",
      `${this.path}: ${detail}; expected a binary, library or module of the image's architecture`,
    );
  }

  private check(offset: number, length: number): void {
    if (offset < 0 || length < 0 || offset + length > this.bytes.length)
      this.fail(`truncated (needs bytes ${offset}..${offset + length})`);
  }

  u16(offset: number): number {
    this.check(offset, 2);
    return this.view.getUint16(offset, true);
  }

  u32(offset: number): number {
    this.check(offset, 4);
    return this.view.getUint32(offset, true);
  }

  u64(offset: number): bigint {
    this.check(offset, 8);
    return this.view.getBigUint64(offset, true);
  }

  /** A u64 that must fit a file offset. */
  offset(offset: number): number {
    const value = this.u64(offset);
    if (value > BigInt(this.bytes.length)) this.fail(`offset ${value} past the end of the file`);
    return Number(value);
  }

  /** The NUL-terminated string at `offset`. */
  cString(offset: number): string {
    this.check(offset, 1);
    const end = this.bytes.indexOf(0, offset);
    if (end < 0) this.fail(`unterminated string at ${offset}`);
    return Buffer.from(this.bytes.subarray(offset, end)).toString("utf8");
  }

  slice(offset: number, size: number): Uint8Array {
    this.check(offset, size);
    return this.bytes.subarray(offset, offset + size);
  }

  interpreter(): string | undefined {
    const phoff = this.offset(0x20);
    const entsize = this.u16(0x36);
    const count = this.u16(0x38);
    for (let i = 0; i < count; i++) {
      const at = phoff + i * entsize;
      if (this.u32(at) === PT_INTERP) return this.cString(this.offset(at + 8));
    }
    return undefined;
  }

  sections(): Section[] {
    const shoff = this.offset(0x28);
    const entsize = this.u16(0x3a);
    const count = this.u16(0x3c);
    if (count === 0) this.fail("no section headers");
    return Array.from({ length: count }, (_, i) => {
      const at = shoff + i * entsize;
      return {
        name: this.u32(at),
        type: this.u32(at + 4),
        // sh_offset and sh_size are checked when read: a NOBITS section (.bss) has a size but no bytes.
        offset: Number(this.u64(at + 24)),
        size: Number(this.u64(at + 32)),
        link: this.u32(at + 40),
      };
    });
  }

  sectionNamed(name: string): Section | undefined {
    const sections = this.sections();
    const names = sections[this.u16(0x3e)] ?? this.fail("no section name table");
    return sections.find((section) => this.cString(names.offset + section.name) === name);
  }
}

/**
 * The interpreter and `DT_NEEDED` sonames of the ELF file `bytes` (named `path` in messages).
 * @throws {TestImagesError} `TEST_IMAGES_BAD_ELF` when it is not a readable ELF64 little-endian file
 */
export function readElfDependencies(bytes: Uint8Array, path: string): ElfDependencies {
  const elf = new ElfFile(bytes, path);
  const interpreter = elf.interpreter();
  const sections = elf.sections();
  const dynamic = sections.find((section) => section.type === SHT_DYNAMIC);
  const needed: string[] = [];
  if (dynamic) {
    const strings = sections[dynamic.link] ?? elf.fail("the dynamic section links to no string table");
    for (let at = dynamic.offset; at + 16 <= dynamic.offset + dynamic.size; at += 16) {
      const tag = elf.u64(at);
      if (tag === DT_NULL) break;
      if (tag === DT_NEEDED) needed.push(elf.cString(strings.offset + Number(elf.u64(at + 8))));
    }
  }
  return { ...(interpreter !== undefined ? { interpreter } : {}), needed };
}

/**
 * The `.modinfo` strings of the kernel module `bytes`, by key (`depends`, `vermagic`, `alias`…),
 * each key's values in file order. A module without the section gives an empty map.
 * @throws {TestImagesError} `TEST_IMAGES_BAD_ELF` when it is not a readable ELF64 little-endian file
 */
export function readModinfo(bytes: Uint8Array, path: string): ReadonlyMap<string, readonly string[]> {
  const elf = new ElfFile(bytes, path);
  const section = elf.sectionNamed(".modinfo");
  const info = new Map<string, string[]>();
  if (!section) return info;
  const text = Buffer.from(elf.slice(section.offset, section.size)).toString("utf8");
  for (const entry of text.split("\0")) {
    const equals = entry.indexOf("=");
    if (equals <= 0) continue;
    const key = entry.slice(0, equals);
    info.set(key, [...(info.get(key) ?? []), entry.slice(equals + 1)]);
  }
  return info;
}
