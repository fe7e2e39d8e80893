/**
 * A FAT writer made of the real tools, mkfs.fat (dosfstools) and mtools, with raw-efi's
 * `FatImageFunction` shape: the stand-in for the in-house `fatImage` where a test needs an ESP made
 * independently of it. Works in a temporary directory removed before returning.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A FAT image holding `files`, sized to them with room for the FAT and directories. */
export async function mkfsFatImage(
  files: readonly { path: string; data: Uint8Array }[],
): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), "ocikit-mkfs-fat-"));
  try {
    const image = join(dir, "esp.img");
    const dataBytes = files.reduce((sum, file) => sum + file.data.length, 0);
    const kib = Math.ceil((dataBytes * 1.05 + 1024 * 1024) / 1024);
    await run("mkfs.fat", ["-C", "-i", "0cd15ea5", "-n", "ESP", image, String(kib)]);
    const made = new Set<string>();
    for (const file of files) {
      const parts = file.path.split("/").slice(0, -1);
      for (let i = 1; i <= parts.length; i++) {
        const sub = parts.slice(0, i).join("/");
        if (made.has(sub)) continue;
        await run("mmd", ["-i", image, `::/${sub}`]);
        made.add(sub);
      }
      const local = join(dir, "files", file.path);
      await mkdir(dirname(local), { recursive: true });
      await writeFile(local, file.data);
      await run("mcopy", ["-i", image, local, `::/${file.path}`]);
    }
    return new Uint8Array(await readFile(image));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
