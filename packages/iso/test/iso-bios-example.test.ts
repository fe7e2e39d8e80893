import { execFileSync } from "node:child_process";
import { readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeBiosIso } from "../examples/iso-bios.js";
import { tempDir } from "./iso-oracle.js";

describe("README example: makeBiosIso", () => {
  const temp = tempDir();
  afterAll(() => temp.remove());

  it("writes an isohybrid ISO that xorriso and isoinfo read, isolinux in its boot catalog", async () => {
    const kernel = join(
      "/boot",
      readdirSync("/boot")
        .filter((n) => n.startsWith("vmlinuz-"))
        .sort()
        .at(-1)!,
    );
    const initrd = join(temp.path, "initrd.img");
    writeFileSync(initrd, "not a real initrd\n");
    const output = join(temp.path, "linuxkit.iso");
    const { sizeBytes, bootImageLba } = await makeBiosIso({ kernel, initrd, output });
    expect(statSync(output).size).toBe(sizeBytes);
    expect(sizeBytes % (1024 * 1024)).toBe(0);
    const report = execFileSync("xorriso", ["-indev", output, "-report_el_torito", "plain"], {
      stdio: "pipe",
    }).toString();
    expect(report).toMatch(
      new RegExp(`El Torito boot img :\\s+1\\s+BIOS\\s+y\\s+none\\s+0x0000\\s+0x00\\s+4\\s+${bootImageLba}`),
    );
    const listing = execFileSync("isoinfo", ["-R", "-f", "-i", output]).toString().split("\n").sort();
    expect(listing).toEqual(
      expect.arrayContaining([
        "/boot/kernel",
        "/boot/initrd.img",
        "/isolinux/isolinux.bin",
        "/isolinux/boot.cat",
        "/isolinux/isolinux.cfg",
      ]),
    );
    expect(execFileSync("isoinfo", ["-d", "-i", output]).toString()).toContain("Volume id: LINUXKIT");
  });
});
