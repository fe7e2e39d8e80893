/**
 * Make a BIOS-bootable, isohybrid ISO 9660 image of a kernel and an initrd, as LinuxKit's iso-bios
 * output does: isolinux (from this machine, found by findBootloaderFiles) loads the kernel with the
 * initrd. The headers are planned first (planIso), then the same entries are streamed again
 * (writeIso). Run from the repository root:
 *   node --conditions=source --import tsx packages/iso/examples/iso-bios.ts \
 *     /boot/vmlinuz-6.1.0-28-amd64 initrd.img linuxkit.iso
 * then boot it: qemu-system-x86_64 -m 512 -cdrom linuxkit.iso -nographic (or dd it to a USB stick).
 */
import { readFile, writeFile } from "node:fs/promises";
import { entryFromBytes, type FsEntry, headerOf } from "@ocikit/fs";
import { findBootloaderFiles, planIso, writeIso } from "@ocikit/iso";

const CMDLINE = "console=ttyS0 console=tty0";

/** Writes the image to `output`; returns its size and where the boot image is. */
export async function makeBiosIso(options: {
  readonly kernel: string;
  readonly initrd: string;
  readonly output: string;
}): Promise<{ sizeBytes: number; bootImageLba: number }> {
  const boot = await findBootloaderFiles({ names: ["isolinux.bin", "ldlinux.c32", "isohdpfx.bin"] });
  const kernel = new Uint8Array(await readFile(options.kernel));
  const initrd = new Uint8Array(await readFile(options.initrd));
  const config = `DEFAULT linux\nPROMPT 0\nTIMEOUT 0\nLABEL linux\n  KERNEL /boot/kernel\n  INITRD /boot/initrd.img\n  APPEND ${CMDLINE}\n`;
  const file = (path: string, data: Uint8Array): FsEntry =>
    entryFromBytes({ path, type: "file", mode: 0o644, uid: 0, gid: 0, mtime: 1_492_533_000 }, data);
  const entries = (): FsEntry[] => [
    file("boot/kernel", kernel),
    file("boot/initrd.img", initrd),
    file("isolinux/isolinux.bin", boot["isolinux.bin"].data),
    file("isolinux/ldlinux.c32", boot["ldlinux.c32"].data),
    file("isolinux/isolinux.cfg", new TextEncoder().encode(config)),
  ];
  const layout = planIso(entries().map(headerOf), {
    volumeId: "LINUXKIT",
    boot: {
      catalogPath: "isolinux/boot.cat",
      entries: [{ platform: "bios", path: "isolinux/isolinux.bin", bootInfoTable: true }],
      isohybrid: { mbrTemplate: boot["isohdpfx.bin"].data },
    },
  }); // ISO_BAD_TREE, ISO_FILE_TOO_LARGE, ISO_BOOT_FILE, ISO_BAD_OPTION
  async function* stream() {
    yield* entries(); // the same entries again, in the same order
  }
  await writeFile(options.output, writeIso(layout, stream())); // ISO_ENTRY_SIZE_MISMATCH, …
  return { sizeBytes: layout.volumeSpaceSectors * 2048, bootImageLba: layout.boot!.entries[0]!.lba };
}

if (process.argv[1]?.endsWith("iso-bios.ts")) {
  const [kernel, initrd, output] = process.argv.slice(2);
  if (!kernel || !initrd || !output) throw new Error("usage: iso-bios.ts KERNEL INITRD OUTPUT.iso");
  makeBiosIso({ kernel, initrd, output }).then((r) =>
    process.stdout.write(`${output}: ${r.sizeBytes} bytes\n`),
  );
}
