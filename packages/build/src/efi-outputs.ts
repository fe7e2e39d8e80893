/**
 * The UEFI outputs, made in-process with @ocikit/iso: `raw-efi` (`NAME-efi.img`), a GPT disk with one
 * EFI system partition whose removable-media path (`EFI/BOOT/BOOTX64.EFI`, `BOOTAA64.EFI` on arm64)
 * is a Unified Kernel Image — systemd's EFI stub with the kernel, the initrd (microcode first, as in
 * `NAME-initrd.img`) and the command line as PE sections — so firmware boots it with no bootloader
 * and no configuration. LinuxKit boots systemd-boot, which loads a UKI made by ukify from
 * `EFI/Linux/`; one file less here, the same kernel, initrd and command line.
 *
 * Boot files (the EFI stub) come from `--bootloader-image` when given (an OCI image holding them at
 * the paths of Debian's packages), else from this machine's Debian packages.
 */
import { readFile } from "node:fs/promises";
import { assert } from "@ocikit/errors";
import {
  assembleUki,
  type BootloaderFile,
  type BootloaderFileName,
  EFI_REMOVABLE_BOOT_PATH,
  fatImage,
  findBootloaderFiles,
  writeRawEfi,
} from "@ocikit/iso";
import { flattenImage, type ImagePuller, openImage, type Platform } from "@ocikit/oci";
import { writeFileAtomic } from "./atomic-file.js";

/** Where the boot files come from. */
export interface BootloaderSource {
  /** `--bootloader-image`: an image reference in any transport; absent: this machine's packages. */
  readonly image?: string;
  readonly puller: ImagePuller;
  readonly platform: Platform;
  readonly cwd: string;
}

/**
 * Finds the boot files `names` in the bootloader image, or on this machine when none is given.
 * @throws {IsoError} ISO_BOOT_FILE naming both ways to supply a missing file; OciError for the image
 */
async function bootloaderFiles<N extends BootloaderFileName>(
  names: readonly N[],
  source: BootloaderSource,
): Promise<Record<N, BootloaderFile>> {
  if (source.image === undefined) return findBootloaderFiles({ names });
  const image = await openImage(source.image, {
    puller: source.puller,
    platform: source.platform,
    cwd: source.cwd,
  });
  return findBootloaderFiles({ names, entries: flattenImage(image), hostRoot: null });
}

/** What a UKI is made of, as the build has it. */
export interface UkiParts {
  readonly kernel: string;
  /** The initrd's files in order (microcode cpio first, then the sections' members). */
  readonly initrd: readonly string[];
  readonly cmdline: string;
  /** The output's name, for `.osrel`. */
  readonly name: string;
  readonly platform: Platform;
}

/** `PRETTY_NAME` etc. for the UKI's `.osrel`: fixed text, so the output is reproducible. */
function osRelease(name: string): string {
  return `NAME="${name}"\nID=linuxkit\nPRETTY_NAME="${name} (built by ocikit)"\n`;
}

/** The boot files one build needs, for every format it writes, looked up once; the UKI made once. */
export interface BootAssets {
  readonly parts: UkiParts;
  /** The boot files asked for when the assets were made (one lookup, one pass over the image). */
  files(): Promise<Readonly<Partial<Record<BootloaderFileName, BootloaderFile>>>>;
  /** The UKI, assembled in memory on first use (the kernel and initrd of an appliance are tens of MiB). */
  uki(): Promise<Uint8Array>;
  /** The ISOs' EFI boot image: a FAT image with the UKI at the removable-media path, made on first use. */
  isoEfiImage(): Promise<Uint8Array>;
}

/** The firmware architecture of `platform`, which names its removable-media boot file. */
export function efiArch(platform: Platform): "x86_64" | "aarch64" {
  return platform.architecture === "arm64" ? "aarch64" : "x86_64";
}

/** The EFI stub the platform needs, as a boot file name. */
export function efiStubName(platform: Platform): "linuxx64.efi.stub" | "linuxaa64.efi.stub" {
  return platform.architecture === "arm64" ? "linuxaa64.efi.stub" : "linuxx64.efi.stub";
}

/**
 * The assets of one build: `names` are every boot file its formats need, found on first use.
 * @throws {IsoError} (from files() and uki()) ISO_BOOT_FILE naming both ways to supply a missing file, ISO_BAD_PE
 */
export function bootAssets(
  parts: UkiParts,
  source: BootloaderSource,
  names: readonly BootloaderFileName[],
): BootAssets {
  let files: ReturnType<BootAssets["files"]> | undefined;
  let uki: Promise<Uint8Array> | undefined;
  let isoEfiImage: Promise<Uint8Array> | undefined;
  const assets: BootAssets = {
    parts,
    files: () => {
      files ??= bootloaderFiles([...new Set(names)], source);
      return files;
    },
    uki: () => {
      uki ??= (async () => {
        const stub = (await assets.files())[efiStubName(parts.platform)];
        assert(stub, "the EFI stub was not among the boot files asked for");
        const initrd = Buffer.concat(await Promise.all(parts.initrd.map((path) => readFile(path))));
        return assembleUki({
          stub: stub.data,
          osRelease: osRelease(parts.name),
          cmdline: parts.cmdline,
          linux: await readFile(parts.kernel),
          initrd,
        });
      })();
      return uki;
    },
    isoEfiImage: () => {
      isoEfiImage ??= (async () =>
        fatImage(
          [{ path: EFI_REMOVABLE_BOOT_PATH[efiArch(parts.platform)], data: await assets.uki() }],
          {},
        ))();
      return isoEfiImage;
    },
  };
  return assets;
}

/**
 * Writes `raw-efi` at `path` (atomically) and returns its size.
 * @throws {IsoError} as BootAssets.uki; BuildError BUILD_OUTPUT when the file cannot be written
 */
export async function writeRawEfiOutput(path: string, assets: BootAssets): Promise<number> {
  const disk = await writeRawEfi({
    uki: await assets.uki(),
    fatImage,
    arch: efiArch(assets.parts.platform),
  });
  return writeFileAtomic(path, disk.image);
}
