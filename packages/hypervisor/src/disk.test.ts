import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolveDisks } from "./disk.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ocikit-disk-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** What the real qemu-img says about an image: its format and virtual size. */
function info(path: string): { format: string; "virtual-size": number } {
  return JSON.parse(execFileSync("qemu-img", ["info", "--output", "json", path], { encoding: "utf8" }));
}

describe("resolveDisks", () => {
  it("creates <state>/disk.img, disk1.img, … from sizes, qcow2 unless a format is given", async () => {
    const disks = await resolveDisks(
      [{ sizeMiB: 64 }, { sizeMiB: 2048 }, { sizeMiB: 8, format: "raw" }],
      dir,
    );
    expect(disks).toEqual([
      { path: join(dir, "disk.img"), format: "qcow2" },
      { path: join(dir, "disk1.img"), format: "qcow2" },
      { path: join(dir, "disk2.img"), format: "raw" },
    ]);
    expect(info(join(dir, "disk.img"))).toMatchObject({ format: "qcow2", "virtual-size": 64 * 2 ** 20 });
    expect(info(join(dir, "disk1.img"))).toMatchObject({ format: "qcow2", "virtual-size": 2 * 2 ** 30 });
    expect(info(join(dir, "disk2.img"))).toMatchObject({ format: "raw", "virtual-size": 8 * 2 ** 20 });
  });

  it("reuses existing disks as they are, with the format their bytes name", async () => {
    const [first] = await resolveDisks([{ sizeMiB: 16 }], dir);
    writeFileSync(join(dir, "data.img"), new Uint8Array(4096));
    const disks = await resolveDisks([{ sizeMiB: 999 }, { path: join(dir, "data.img") }], dir);
    expect(disks).toEqual([first, { path: join(dir, "data.img"), format: "raw" }]);
    // Not recreated at the new size.
    expect(info(join(dir, "disk.img"))["virtual-size"]).toBe(16 * 2 ** 20);
  });

  it("keeps a format the user gave for an existing disk", async () => {
    writeFileSync(join(dir, "x.img"), new Uint8Array(4096));
    expect(await resolveDisks([{ path: join(dir, "x.img"), format: "raw" }], dir)).toEqual([
      { path: join(dir, "x.img"), format: "raw" },
    ]);
  });

  it("creates a named disk that has a size", async () => {
    const path = join(dir, "named.qcow2");
    expect(await resolveDisks([{ path, sizeMiB: 32 }], dir)).toEqual([{ path, format: "qcow2" }]);
    expect(info(path)).toMatchObject({ format: "qcow2", "virtual-size": 32 * 2 ** 20 });
  });

  it("refuses a missing disk without a size (HV_ARTIFACT_MISSING)", async () => {
    const path = join(dir, "nope.img");
    await expect(resolveDisks([{ path }], dir)).rejects.toMatchObject({
      code: "HV_ARTIFACT_MISSING",
      message: expect.stringContaining(`${path}: no such disk image`),
    });
  });

  it("names the Debian package when qemu-img is missing (HV_TOOL_MISSING)", async () => {
    await expect(
      resolveDisks([{ sizeMiB: 1 }], dir, { qemuImg: join(dir, "no-qemu-img") }),
    ).rejects.toMatchObject({
      code: "HV_TOOL_MISSING",
      message: expect.stringContaining("apt-get install qemu-utils"),
    });
  });

  it("reports qemu-img's complaint (HV_QEMU_FAILED)", async () => {
    const error = await resolveDisks([{ sizeMiB: 1, format: "nosuchformat" }], dir).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "HV_QEMU_FAILED" });
    expect((error as Error).message).toContain("nosuchformat");
  });
});
