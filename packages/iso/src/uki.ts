/**
 * Unified Kernel Images (UAPI Group, "Unified Kernel Image (UKI)"; systemd-stub(7)): a systemd-stub
 * EFI application with the os-release, kernel command line, kernel release, initrd and kernel
 * appended as PE sections, in ukify's order — `.osrel`, `.cmdline`, `.uname`, `.initrd`, then
 * `.linux` last, which ukify does "to leave breathing room for decompression": `.linux` gets the
 * kernel's own SizeOfImage as its VirtualSize, so the image reserves the memory the kernel grows into
 * and nothing sits after it. Placement and header changes are `planUki`'s (uki-plan.ts).
 * Left out: `.dtb`, `.splash`, `.pcrsig`/`.pcrpkey` (TPM measurement signing), merging `.sbat`, Secure
 * Boot signing, several initrds (concatenate them first).
 */
import { IsoError } from "./errors.js";
import { isPeImage, readPeHeaders } from "./pe-headers.js";
import { planUki, type UkiPlan, type UkiSectionSpec, ukiStubBytes } from "./uki-plan.js";

/** The order sections are appended in (ukify's, for the sections we write). */
export const UKI_SECTION_ORDER = [".osrel", ".cmdline", ".uname", ".initrd", ".linux"] as const;

/** What a UKI is made of. */
export interface UkiOptions {
  /** The systemd-stub, e.g. Debian's /usr/lib/systemd/boot/efi/linuxx64.efi.stub. */
  readonly stub: Uint8Array;
  /** The os-release file's text (`.osrel`). */
  readonly osRelease: string;
  /** The kernel command line (`.cmdline`), e.g. "console=ttyS0". */
  readonly cmdline: string;
  /** The kernel release (`.uname`), e.g. "6.1.0-28-amd64"; default: no `.uname` section. */
  readonly uname?: string;
  /** The kernel image (`.linux`): an x86 bzImage or arm64 Image with its EFI stub. */
  readonly linux: Uint8Array;
  /** The initrd (`.initrd`). */
  readonly initrd: Uint8Array;
}

/** `UkiOptions` with the initrd as a stream of known length, for initrds too big to hold in memory. */
export interface UkiStreamOptions extends Omit<UkiOptions, "initrd"> {
  readonly initrd: { readonly sizeBytes: number; readonly body: AsyncIterable<Uint8Array> };
}

/** ukify's VirtualSize for `.linux`: the kernel's SizeOfImage when it is a PE image, else its length. */
function linuxVirtualSize(linux: Uint8Array): number {
  if (!isPeImage(linux)) return linux.length;
  return readPeHeaders(linux, "kernel").optionalHeader.sizeOfImage;
}

type Part = { readonly name: (typeof UKI_SECTION_ORDER)[number]; readonly bytes?: Uint8Array };

function partsOf(options: Omit<UkiOptions, "initrd" | "stub">): Part[] {
  const text = (value: string) => new TextEncoder().encode(value);
  return [
    { name: ".osrel", bytes: text(options.osRelease) },
    { name: ".cmdline", bytes: text(options.cmdline) },
    ...(options.uname === undefined ? [] : [{ name: ".uname", bytes: text(options.uname) } as const]),
    { name: ".initrd" },
    { name: ".linux", bytes: options.linux },
  ];
}

function planParts(stub: Uint8Array, parts: readonly Part[], initrdSizeBytes: number): UkiPlan {
  if (parts.some((p) => p.name === ".linux" && p.bytes?.length === 0))
    throw new IsoError("ISO_BAD_OPTION", "UKI: the kernel (.linux) is empty; pass the kernel image");
  const specs: UkiSectionSpec[] = parts.map((part) =>
    part.name === ".linux"
      ? { name: part.name, sizeBytes: part.bytes!.length, virtualSizeBytes: linuxVirtualSize(part.bytes!) }
      : { name: part.name, sizeBytes: part.bytes?.length ?? initrdSizeBytes },
  );
  return planUki(stub, specs);
}

/**
 * A UKI of `options`, in memory.
 * @throws {IsoError} ISO_BAD_PE when the stub cannot take the sections; ISO_BAD_OPTION for an empty kernel
 * @example
 * ```ts
 * const uki = assembleUki({
 *   stub: await readFile("/usr/lib/systemd/boot/efi/linuxx64.efi.stub"),
 *   osRelease: 'NAME="ocikit"\nID=ocikit\n', cmdline: "console=ttyS0",
 *   linux: await readFile("vmlinuz"), initrd: await readFile("initrd.img"),
 * });
 * ```
 */
export function assembleUki(options: UkiOptions): Uint8Array {
  const parts = partsOf(options);
  const plan = planParts(options.stub, parts, options.initrd.length);
  const out = new Uint8Array(plan.sizeBytes);
  out.set(ukiStubBytes(options.stub, plan));
  plan.sections.forEach((section, i) => {
    const part = parts[i]!;
    out.set(part.name === ".initrd" ? options.initrd : part.bytes!, section.pointerToRawData);
  });
  return out;
}

/**
 * A UKI of `options` as a stream, the initrd copied from its body without being held.
 * @throws {IsoError} ISO_BAD_PE when the stub cannot take the sections
 * @throws {IsoError} ISO_ENTRY_SIZE_MISMATCH when the initrd's body is not `initrd.sizeBytes` long
 */
export async function* writeUki(options: UkiStreamOptions): AsyncIterable<Uint8Array> {
  const parts = partsOf(options);
  const plan = planParts(options.stub, parts, options.initrd.sizeBytes);
  const head = ukiStubBytes(options.stub, plan);
  yield head;
  let offset = head.length;
  for (const [i, section] of plan.sections.entries()) {
    yield new Uint8Array(section.pointerToRawData - offset);
    const part = parts[i]!;
    if (part.name === ".initrd") {
      let written = 0;
      for await (const chunk of options.initrd.body) {
        written += chunk.length;
        if (written > section.sizeBytes) break;
        yield chunk;
      }
      if (written !== section.sizeBytes)
        throw new IsoError(
          "ISO_ENTRY_SIZE_MISMATCH",
          `UKI .initrd: its body is ${written > section.sizeBytes ? "longer than" : `${written} bytes, not`} the ${section.sizeBytes} bytes declared; pass the initrd's exact size`,
        );
    } else yield part.bytes!;
    yield new Uint8Array(section.sizeOfRawData - section.sizeBytes);
    offset = section.pointerToRawData + section.sizeOfRawData;
  }
}
