import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeRawEfiDisk } from "../examples/raw-efi-disk.js";

const run = promisify(execFile);
const KERNEL = `/boot/${readdirSync("/boot")
  .filter((name) => name.startsWith("vmlinuz-"))
  .sort()
  .at(-1)}`;

describe("README example: makeRawEfiDisk", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ocikit-raw-efi-example-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes a GPT disk whose ESP holds a UKI with the kernel, initrd and command line", async () => {
    const initrd = join(dir, "initrd.img");
    await writeFile(initrd, "not really an initrd");
    const output = join(dir, "disk.img");
    const { sizeBytes, diskGuid } = await makeRawEfiDisk({
      kernel: KERNEL,
      initrd,
      cmdline: "console=ttyS0",
      output,
    });
    expect((await readFile(output)).length).toBe(sizeBytes);
    const { stdout } = await run("sgdisk", ["-p", "-v", output]);
    expect(stdout).toContain(`Disk identifier (GUID): ${diskGuid}`);
    expect(stdout).toContain("No problems found.");
    const uki = join(dir, "BOOTX64.EFI");
    await run("mcopy", ["-n", "-i", `${output}@@1M`, "::/EFI/BOOT/BOOTX64.EFI", uki]);
    const sections = (await run("objdump", ["-h", uki])).stdout;
    for (const name of [".osrel", ".cmdline", ".initrd", ".linux"]) expect(sections).toContain(` ${name} `);
    await run("objcopy", [
      "--dump-section",
      `.cmdline=${join(dir, "cmdline")}`,
      uki,
      join(dir, "scratch.efi"),
    ]);
    expect(await readFile(join(dir, "cmdline"), "utf8")).toBe("console=ttyS0");
  });
});
