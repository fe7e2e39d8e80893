/**
 * A small GPT disk made by sgdisk (Debian's gdisk), the "real tool" bytes the GPT and MBR codecs are
 * tested against: 4 MiB, fixed GUIDs, an ESP and a Linux partition with a non-ASCII name and the
 * legacy-BIOS-bootable attribute. Made in a temporary directory that is removed before returning.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

export const SGDISK_DISK = {
  sizeBytes: 4 * 1024 * 1024,
  diskGuid: "11111111-2222-4333-8444-555555555555",
  partitions: [
    {
      number: 1,
      first: 2048,
      last: 4095,
      code: "EF00",
      name: "ESP",
      guid: "AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE",
    },
    {
      number: 2,
      first: 4096,
      last: 8158,
      code: "8300",
      name: "Linux root ü",
      guid: "12345678-9ABC-4DEF-8123-456789ABCDEF",
    },
  ],
} as const;

/** The bytes of the disk sgdisk makes from SGDISK_DISK. */
export async function makeSgdiskDisk(): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), "ocikit-sgdisk-"));
  try {
    const image = join(dir, "disk.img");
    await writeFile(image, "");
    await truncate(image, SGDISK_DISK.sizeBytes);
    const args = ["-U", SGDISK_DISK.diskGuid];
    for (const p of SGDISK_DISK.partitions)
      args.push(
        "-n",
        `${p.number}:${p.first}:${p.last}`,
        "-t",
        `${p.number}:${p.code}`,
        "-c",
        `${p.number}:${p.name}`,
        "-u",
        `${p.number}:${p.guid}`,
      );
    args.push("-A", "2:set:2", image);
    await promisify(execFile)("sgdisk", args);
    return new Uint8Array(await readFile(image));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
