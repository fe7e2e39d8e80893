/**
 * Make a raw-efi disk from a kernel and an initrd: take systemd-stub from this machine (Debian's
 * systemd-boot-efi), assemble a UKI and write a GPT disk whose EFI system partition holds it as
 * EFI/BOOT/BOOTX64.EFI. Run from the repository root with:
 *   node --conditions=source --import tsx packages/iso/examples/raw-efi-disk.ts \
 *     /boot/vmlinuz-6.1.0-28-amd64 initrd.img disk.img "console=ttyS0"
 * and boot it with OVMF (a fresh copy of OVMF_VARS each time):
 *   qemu-system-x86_64 -machine q35 -m 512 -serial stdio -display none \
 *     -drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd \
 *     -drive if=pflash,format=raw,file=vars.fd -drive file=disk.img,format=raw
 */
import { readFile, writeFile } from "node:fs/promises";
import { assembleUki, fatImage, findBootloaderFiles, writeRawEfi } from "@ocikit/iso";

/** Writes the raw-efi disk of `kernel` + `initrd` to `output`; returns its size and disk GUID. */
export async function makeRawEfiDisk(options: {
  readonly kernel: string;
  readonly initrd: string;
  readonly cmdline: string;
  readonly output: string;
}): Promise<{ sizeBytes: number; diskGuid: string }> {
  const files = await findBootloaderFiles({ names: ["linuxx64.efi.stub"] }); // ISO_BOOT_FILE says how to get it
  const uki = assembleUki({
    stub: files["linuxx64.efi.stub"].data,
    osRelease: 'NAME="ocikit example"\nID=ocikit\n',
    cmdline: options.cmdline,
    linux: await readFile(options.kernel),
    initrd: await readFile(options.initrd),
  });
  const disk = await writeRawEfi({ uki, fatImage });
  await writeFile(options.output, disk.image);
  return { sizeBytes: disk.sizeBytes, diskGuid: disk.plan.diskGuid };
}

if (process.argv[1]?.endsWith("raw-efi-disk.ts")) {
  const [kernel, initrd, output = "disk.img", cmdline = "console=ttyS0"] = process.argv.slice(2);
  if (!kernel || !initrd) {
    process.stderr.write("usage: raw-efi-disk.ts KERNEL INITRD [OUTPUT] [CMDLINE]\n");
    process.exitCode = 2;
  } else {
    makeRawEfiDisk({ kernel, initrd, output, cmdline })
      .then(({ sizeBytes, diskGuid }) =>
        process.stdout.write(`${output}: ${sizeBytes} bytes, disk GUID ${diskGuid}\n`),
      )
      .catch((error: Error) => {
        process.stderr.write(`${error.message}\n`);
        process.exitCode = 1;
      });
  }
}
