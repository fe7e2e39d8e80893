/**
 * Make an EFI system partition image (a FAT file system) that holds one EFI application as
 * EFI/BOOT/BOOTX64.EFI plus a systemd-boot loader.conf, streamed to a file: the headers are planned
 * first (planFat), then the same entries are streamed again (writeFat). Run from the repository root:
 *   node --conditions=source --import tsx packages/iso/examples/fat-esp.ts \
 *     /usr/lib/systemd/boot/efi/systemd-bootx64.efi esp.img
 * then look inside with `mdir -i esp.img -/ ::/` or boot it with OVMF as a disk.
 */
import { readFile, writeFile } from "node:fs/promises";
import { entryFromBytes, type FsEntry, headerOf } from "@ocikit/fs";
import { planFat, writeFat } from "@ocikit/iso";

/** Writes an ESP image holding `bootEfi` to `output`; returns what planFat chose. */
export async function makeEspImage(options: {
  readonly bootEfi: string;
  readonly output: string;
}): Promise<{ fatType: string; sizeBytes: number; volumeId: number }> {
  const bootx64 = new Uint8Array(await readFile(options.bootEfi));
  const entries = (): FsEntry[] => [
    entryFromBytes(
      { path: "EFI/BOOT/BOOTX64.EFI", type: "file", mode: 0o644, uid: 0, gid: 0, mtime: 0 },
      bootx64,
    ),
    entryFromBytes(
      { path: "loader/loader.conf", type: "file", mode: 0o644, uid: 0, gid: 0, mtime: 0 },
      new TextEncoder().encode("timeout 3\n"),
    ),
  ];
  const layout = planFat(entries().map(headerOf), { volumeLabel: "ESP" }); // ISO_BAD_TREE, ISO_NO_SPACE, …
  async function* stream() {
    yield* entries();
  }
  await writeFile(options.output, writeFat(layout, stream()));
  return { fatType: layout.fatType, sizeBytes: layout.sizeBytes, volumeId: layout.bootSector.volumeId };
}

if (process.argv[1]?.endsWith("fat-esp.ts")) {
  const [bootEfi, output = "esp.img"] = process.argv.slice(2);
  if (!bootEfi) {
    process.stderr.write("usage: fat-esp.ts BOOTX64.EFI [OUTPUT]\n");
    process.exitCode = 2;
  } else {
    makeEspImage({ bootEfi, output })
      .then(({ fatType, sizeBytes, volumeId }) =>
        process.stdout.write(`${output}: ${fatType}, ${sizeBytes} bytes, serial ${volumeId.toString(16)}\n`),
      )
      .catch((error: Error) => {
        process.stderr.write(`${error.message}\n`);
        process.exitCode = 1;
      });
  }
}
