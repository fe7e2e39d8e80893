import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { detectDiskFormat, diskFormatOf } from "./disk-format.js";

const dir = mkdtempSync(join(tmpdir(), "ocikit-disk-format-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("detectDiskFormat", () => {
  // Images made by qemu-img, the tool whose formats we name; raw is whatever matches none.
  it.each(["qcow2", "vmdk", "vhdx", "vpc", "vdi", "qed", "raw"] as const)(
    "names an image qemu-img created as %s",
    async (format) => {
      const path = join(dir, `image.${format}`);
      execFileSync("qemu-img", ["create", "-q", "-f", format, path, "4M"]);
      expect(await detectDiskFormat(path)).toBe(format);
    },
  );

  it("calls an MBR-looking image raw, and a short file too", async () => {
    const mbr = new Uint8Array(512);
    mbr[510] = 0x55;
    mbr[511] = 0xaa;
    writeFileSync(join(dir, "mbr.img"), mbr);
    writeFileSync(join(dir, "short.img"), "QF");
    expect(await detectDiskFormat(join(dir, "mbr.img"))).toBe("raw");
    expect(await detectDiskFormat(join(dir, "short.img"))).toBe("raw");
    expect(diskFormatOf(new Uint8Array(0))).toBe("raw");
  });
});
