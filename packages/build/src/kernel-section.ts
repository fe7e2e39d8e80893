/**
 * The kernel section (linuxkit-reference.md §1.3, §3.2): from the kernel image, only the kernel
 * binary (as `boot/kernel`, after `boot/` and `boot/cmdline`), the microcode cpio if named (as
 * `boot/ucode.cpio`) and the members of the modules tarball (unpacked at `/`); everything else in
 * the image is dropped. Entries come in the image's order, as LinuxKit's kernel filter writes them.
 * `--decompress-kernel` turns a gzip file or a bzImage with a gzip payload into the raw kernel.
 */
import { gunzipSync } from "node:zlib";
import type { FsEntry } from "@ocikit/fs";
import { flattenImage, type Image, readTar } from "@ocikit/oci";
import type { KernelConfig } from "@ocikit/spec";
import { BuildError } from "./errors.js";
import { dirEntry, fileEntry, restampEntry } from "./generated-entries.js";

export interface KernelSectionOptions {
  readonly decompressKernel?: boolean;
}

/** A kernel entry with its defaults applied: what the kernel section's bytes depend on. */
export interface KernelSettings {
  readonly binary: string;
  readonly tar: string | undefined;
  readonly ucode: string | undefined;
  readonly cmdline: string;
}

/** The kernel's defaults: `binary: kernel`, `tar: kernel.tar`, no microcode. */
export function kernelSettings(kernel: KernelConfig): KernelSettings {
  const tar =
    kernel.tar === undefined
      ? "kernel.tar"
      : kernel.tar === "" || kernel.tar === "none"
        ? undefined
        : kernel.tar;
  const ucode = kernel.ucode === undefined || kernel.ucode === "" ? undefined : kernel.ucode;
  return { binary: kernel.binary || "kernel", tar, ucode, cmdline: kernel.cmdline ?? "" };
}

/**
 * The kernel section's entries, as `settings` (from {@link kernelSettings}) say.
 * @throws {BuildError} BUILD_KERNEL_NOT_FOUND, BUILD_KERNEL_TAR_NOT_FOUND, BUILD_DECOMPRESS_KERNEL
 */
export async function* kernelEntries(
  image: Image,
  settings: KernelSettings,
  options: KernelSectionOptions = {},
): AsyncIterable<FsEntry> {
  let sawKernel = false;
  let sawTar = false;
  for await (const entry of flattenImage(image)) {
    if (entry.type !== "file") continue;
    if (entry.path === settings.binary) {
      sawKernel = true;
      yield dirEntry("boot");
      yield fileEntry("boot/cmdline", settings.cmdline, 0o644);
      if (options.decompressKernel) {
        const raw = decompressKernel(await readAll(entry.body()), image.ref);
        yield fileEntry("boot/kernel", raw, entry.mode, { uid: 0, gid: 0 });
      } else {
        yield restampEntry(entry, "boot/kernel");
      }
    } else if (settings.ucode !== undefined && entry.path === settings.ucode) {
      yield restampEntry(entry, "boot/ucode.cpio");
    } else if (settings.tar !== undefined && entry.path === settings.tar) {
      sawTar = true;
      yield* readTar(entry.body(), { source: `${settings.tar} of ${image.ref}` });
    }
  }
  if (!sawKernel) {
    throw new BuildError(
      "BUILD_KERNEL_NOT_FOUND",
      `${image.ref}: did not find the kernel "/${settings.binary}" in the kernel image; set kernel.binary to its name`,
    );
  }
  if (settings.tar !== undefined && !sawTar) {
    throw new BuildError(
      "BUILD_KERNEL_TAR_NOT_FOUND",
      `${image.ref}: did not find the kernel tar "/${settings.tar}" in the kernel image; set kernel.tar to its name, or to "none"`,
    );
  }
}

/**
 * The raw kernel from a gzip file or a bzImage whose payload is gzip (linuxkit-reference.md §1.3).
 * @throws {BuildError} BUILD_DECOMPRESS_KERNEL for anything else
 */
export function decompressKernel(bytes: Uint8Array, ref: string): Uint8Array {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf[0] === 0x1f && buf[1] === 0x8b) return gunzipSync(buf);
  const isBzImage =
    buf.length > 0x250 &&
    buf.readUInt16LE(0x1fe) === 0xaa55 &&
    buf.toString("latin1", 0x202, 0x206) === "HdrS";
  if (!isBzImage)
    throw new BuildError(
      "BUILD_DECOMPRESS_KERNEL",
      `${ref}: --decompress-kernel: the kernel is neither gzip nor a bzImage`,
    );
  if (buf.readUInt16LE(0x206) < 0x208) {
    throw new BuildError(
      "BUILD_DECOMPRESS_KERNEL",
      `${ref}: --decompress-kernel: bzImage boot protocol older than 2.08 has no payload offset`,
    );
  }
  const setupSects = buf[0x1f1] || 4;
  const payloadOffset = buf.readUInt32LE(0x248);
  const payloadLength = buf.readUInt32LE(0x24c);
  const start = (setupSects + 1) * 512 + payloadOffset;
  const payload = buf.subarray(start, start + payloadLength);
  if (payload[0] !== 0x1f || payload[1] !== 0x8b) {
    throw new BuildError(
      "BUILD_DECOMPRESS_KERNEL",
      `${ref}: --decompress-kernel: the bzImage payload is not gzip-compressed (only gzip is supported)`,
    );
  }
  return gunzipSync(payload);
}

async function readAll(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}
