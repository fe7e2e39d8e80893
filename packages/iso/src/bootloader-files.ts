/**
 * Finding the boot loader files the ISO and UKI outputs embed, at their Debian paths: ISOLINUX's
 * isolinux.bin and isohdpfx.bin (package isolinux), ldlinux.c32 (syslinux-common) and systemd-stub
 * (systemd-boot-efi). First in a bootloader image's flattened filesystem (an `AsyncIterable<FsEntry>`,
 * e.g. @ocikit/oci's flatten of a `--bootloader-image`), then on this machine, where the same Debian
 * packages put them. Each file found is checked briefly, so a wrong file fails here rather than at boot.
 * Left out: following symlinks inside the image (Debian ships these files as regular files); other
 * distributions' paths.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type FsEntry, normalizeEntryPath } from "@ocikit/fs";
import { IsoError } from "./errors.js";
import { PE_MACHINE_AARCH64, PE_MACHINE_X86_64 } from "./pe-file-header.js";
import { readPeHeaders } from "./pe-headers.js";
import { PE_SUBSYSTEM_EFI_APPLICATION, PE32_PLUS_MAGIC } from "./pe-optional-header.js";

/** The boot loader files we know. */
export type BootloaderFileName =
  | "isolinux.bin"
  | "ldlinux.c32"
  | "isohdpfx.bin"
  | "linuxx64.efi.stub"
  | "linuxaa64.efi.stub";

/** Where Debian's packages install each file (also inside a Debian-based bootloader image). */
export const BOOTLOADER_FILE_PATHS: Readonly<Record<BootloaderFileName, string>> = {
  "isolinux.bin": "/usr/lib/ISOLINUX/isolinux.bin",
  "ldlinux.c32": "/usr/lib/syslinux/modules/bios/ldlinux.c32",
  "isohdpfx.bin": "/usr/lib/ISOLINUX/isohdpfx.bin",
  "linuxx64.efi.stub": "/usr/lib/systemd/boot/efi/linuxx64.efi.stub",
  "linuxaa64.efi.stub": "/usr/lib/systemd/boot/efi/linuxaa64.efi.stub",
};

/** The Debian package that installs each file. */
export const BOOTLOADER_FILE_PACKAGES: Readonly<Record<BootloaderFileName, string>> = {
  "isolinux.bin": "isolinux",
  "ldlinux.c32": "syslinux-common",
  "isohdpfx.bin": "isolinux",
  "linuxx64.efi.stub": "systemd-boot-efi",
  "linuxaa64.efi.stub": "systemd-boot-efi",
};

/** A file found. */
export interface BootloaderFile {
  readonly name: BootloaderFileName;
  readonly data: Uint8Array;
  /** "image" when it came from the entries, "host" from this machine. */
  readonly source: "image" | "host";
  /** Where it was: its path in the image, or on this machine. */
  readonly path: string;
}

/** Where to look. */
export interface FindBootloaderFilesOptions<N extends BootloaderFileName> {
  /** The files wanted. */
  readonly names: readonly N[];
  /** A bootloader image's flattened filesystem, looked in first; default: none. */
  readonly entries?: AsyncIterable<FsEntry>;
  /** The root of this machine's filesystem, looked in next; null: do not look; default "/". */
  readonly hostRoot?: string | null;
}

/** Defaults of `FindBootloaderFilesOptions`. */
export const FIND_BOOTLOADER_FILES_DEFAULTS = { hostRoot: "/" } as const;

/** Why `data` is not the file `name` must be, or undefined when it looks right. */
function problemWith(name: BootloaderFileName, data: Uint8Array): string | undefined {
  switch (name) {
    case "isolinux.bin": {
      // ISOLINUX starts with cli (0xFA) before its boot info table, and names itself in its banner.
      const hasBanner = Buffer.from(data.subarray(0, 64 * 1024)).includes("ISOLINUX");
      if (data.length < 2048 || data[0] !== 0xfa || !hasBanner)
        return `${data.length} bytes without ISOLINUX's start (0xFA) and banner; expected ISOLINUX's isolinux.bin`;
      return undefined;
    }
    case "ldlinux.c32":
      // Syslinux 5 and later modules are 32-bit ELF objects.
      if (
        data.length < 52 ||
        Buffer.from(data.subarray(0, 4)).toString("latin1") !== "\x7fELF" ||
        data[4] !== 1
      )
        return "not a 32-bit ELF file; expected Syslinux's ldlinux.c32 module";
      return undefined;
    case "isohdpfx.bin":
      if (data.length !== 432)
        return `${data.length} bytes; isohdpfx.bin (the isohybrid MBR boot code) is exactly 432 bytes`;
      return undefined;
    case "linuxx64.efi.stub":
    case "linuxaa64.efi.stub": {
      const machine = name === "linuxx64.efi.stub" ? PE_MACHINE_X86_64 : PE_MACHINE_AARCH64;
      const arch = name === "linuxx64.efi.stub" ? "x86_64" : "aarch64";
      try {
        const { fileHeader, optionalHeader } = readPeHeaders(data, name);
        if (
          fileHeader.machine !== machine ||
          optionalHeader.magic !== PE32_PLUS_MAGIC ||
          optionalHeader.subsystem !== PE_SUBSYSTEM_EFI_APPLICATION
        )
          return `machine 0x${fileHeader.machine.toString(16)}, optional header 0x${optionalHeader.magic.toString(16)}, subsystem ${optionalHeader.subsystem}; expected a PE32+ EFI application for ${arch}`;
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    }
  }
}

function checked(file: BootloaderFile): BootloaderFile {
  const problem = problemWith(file.name, file.data);
  if (problem !== undefined)
    throw new IsoError(
      "ISO_BOOT_FILE",
      `${file.source === "image" ? "bootloader image" : "this machine"}: ${file.path}: ${problem}; reinstall ${BOOTLOADER_FILE_PACKAGES[file.name]}`,
    );
  return file;
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return new Uint8Array(Buffer.concat(parts));
}

async function findInImage<N extends BootloaderFileName>(
  names: readonly N[],
  entries: AsyncIterable<FsEntry>,
): Promise<Map<N, BootloaderFile>> {
  const wanted = new Map(
    names.map((name) => [normalizeEntryPath(BOOTLOADER_FILE_PATHS[name]), name] as const),
  );
  const found = new Map<N, BootloaderFile>();
  const notFiles = new Map<N, FsEntry>();
  for await (const entry of entries) {
    const name = wanted.get(normalizeEntryPath(entry.path));
    // Other entries' bodies are left unread, which the FsEntry contract allows.
    if (name === undefined) continue;
    if (entry.type !== "file") {
      notFiles.set(name, entry);
      found.delete(name);
      continue;
    }
    notFiles.delete(name);
    const path = `/${normalizeEntryPath(entry.path)}`;
    found.set(name, { name, data: await collect(entry.body()), source: "image", path });
  }
  for (const [name, entry] of notFiles)
    throw new IsoError(
      "ISO_BOOT_FILE",
      `bootloader image: ${BOOTLOADER_FILE_PATHS[name]} is a ${entry.type}${entry.linkTarget ? ` to ${entry.linkTarget}` : ""}, not a regular file; use an image where it is a file (as Debian's ${BOOTLOADER_FILE_PACKAGES[name]} installs it)`,
    );
  return found;
}

async function findOnHost(name: BootloaderFileName, hostRoot: string): Promise<BootloaderFile | undefined> {
  const path = join(hostRoot, BOOTLOADER_FILE_PATHS[name]);
  try {
    return { name, data: new Uint8Array(await readFile(path)), source: "host", path };
  } catch (error) {
    // Missing here means "look elsewhere or report it missing", which the caller does.
    if (
      (error as NodeJS.ErrnoException).code === "ENOENT" ||
      (error as NodeJS.ErrnoException).code === "ENOTDIR"
    )
      return undefined;
    throw new IsoError("ISO_BOOT_FILE", `this machine: cannot read ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * The boot loader files `names`, from the bootloader image's entries where they are there, else from
 * this machine, each checked (size, magic, PE machine).
 * @throws {IsoError} ISO_BOOT_FILE when one is missing from both places, unreadable, not a regular file or not what it must be
 * @example
 * ```ts
 * const files = await findBootloaderFiles({ names: ["linuxx64.efi.stub"] });
 * const uki = assembleUki({ stub: files["linuxx64.efi.stub"].data, ... });
 * ```
 */
export async function findBootloaderFiles<N extends BootloaderFileName>(
  options: FindBootloaderFilesOptions<N>,
): Promise<Record<N, BootloaderFile>> {
  const hostRoot =
    options.hostRoot === undefined ? FIND_BOOTLOADER_FILES_DEFAULTS.hostRoot : options.hostRoot;
  const found = options.entries
    ? await findInImage(options.names, options.entries)
    : new Map<N, BootloaderFile>();
  const missing: N[] = [];
  for (const name of options.names) {
    if (found.has(name)) continue;
    const onHost = hostRoot === null ? undefined : await findOnHost(name, hostRoot);
    if (onHost) found.set(name, onHost);
    else missing.push(name);
  }
  if (missing.length > 0) {
    const places = [
      ...(options.entries ? ["the bootloader image"] : []),
      ...(hostRoot === null ? [] : [hostRoot === "/" ? "this machine" : `this machine (under ${hostRoot})`]),
    ];
    const packages = [...new Set(missing.map((name) => BOOTLOADER_FILE_PACKAGES[name]))].join(" ");
    throw new IsoError(
      "ISO_BOOT_FILE",
      `boot loader files not found in ${places.join(" nor in ") || "any place (none was given)"}: ${missing.map((name) => BOOTLOADER_FILE_PATHS[name]).join(", ")}; pass --bootloader-image REF (an image with Debian's ${packages}) or run "apt-get install ${packages}"`,
    );
  }
  const result = {} as Record<N, BootloaderFile>;
  for (const name of options.names) result[name] = checked(found.get(name)!);
  return result;
}
