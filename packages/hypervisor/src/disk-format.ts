/**
 * A disk image's format, from the magic bytes at its start, so that qemu is told it instead of
 * probing: a probed raw image makes qemu warn on stderr and refuse writes to its first sector (where
 * a boot loader or partition table lives). Knows the formats qemu-img writes (qcow2, vmdk, vhdx, vpc
 * with its footer copy at the start, vdi, qed); anything else is raw, which is what LinuxKit's
 * raw-bios, raw-efi and fixed vhd outputs are.
 */
import { open } from "node:fs/promises";

/** qemu's name for a disk image format. */
export type DiskFormat = "raw" | "qcow2" | "vmdk" | "vhdx" | "vpc" | "vdi" | "qed";

const HEAD_BYTES = 72;

/** The format named by the first bytes of an image (`head`, at least 72 bytes for every check). */
export function diskFormatOf(head: Uint8Array): DiskFormat {
  const ascii = (start: number, end: number) => new TextDecoder("latin1").decode(head.subarray(start, end));
  if (ascii(0, 4) === "QFI\xfb") return "qcow2";
  if (ascii(0, 4) === "KDMV") return "vmdk";
  if (ascii(0, 8) === "vhdxfile") return "vhdx";
  if (ascii(0, 8) === "conectix") return "vpc";
  if (ascii(0, 4) === "QED\0") return "qed";
  // VirtualBox: signature 0xbeda107f, little-endian, at offset 64.
  if (head.length >= 68 && new DataView(head.buffer, head.byteOffset).getUint32(64, true) === 0xbeda107f) {
    return "vdi";
  }
  return "raw";
}

/** Reads the start of the image at `path` and names its format (see {@link diskFormatOf}). */
export async function detectDiskFormat(path: string): Promise<DiskFormat> {
  const handle = await open(path, "r");
  try {
    const head = new Uint8Array(HEAD_BYTES);
    const { bytesRead } = await handle.read(head, 0, HEAD_BYTES, 0);
    return diskFormatOf(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}
