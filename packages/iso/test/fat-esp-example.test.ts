import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeEspImage } from "../examples/fat-esp.js";

const run = promisify(execFile);
const SYSTEMD_BOOT = "/usr/lib/systemd/boot/efi/systemd-bootx64.efi"; // Debian package systemd-boot-efi

describe("README example: makeEspImage", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ocikit-fat-esp-example-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes a clean FAT image holding BOOTX64.EFI and loader.conf", async () => {
    const output = join(dir, "esp.img");
    const { fatType, sizeBytes } = await makeEspImage({ bootEfi: SYSTEMD_BOOT, output });
    expect(fatType).toBe("fat12");
    expect((await readFile(output)).length).toBe(sizeBytes);
    await run("fsck.fat", ["-n", output]);
    const env = { ...process.env, MTOOLS_SKIP_CHECK: "1" };
    const back = join(dir, "BOOTX64.EFI");
    await run("mcopy", ["-n", "-i", output, "::/EFI/BOOT/BOOTX64.EFI", back], { env });
    expect((await readFile(back)).equals(await readFile(SYSTEMD_BOOT))).toBe(true);
    const { stdout } = await run("mtype", ["-i", output, "::/loader/loader.conf"], { env });
    expect(stdout).toBe("timeout 3\n");
  });
});
