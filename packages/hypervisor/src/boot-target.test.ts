import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findBootTarget } from "./boot-target.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ocikit-boot-target-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function touch(name: string, text = "x"): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("findBootTarget", () => {
  it("finds a kernel prefix: kernel, initrd and the trimmed command line", async () => {
    touch("m-kernel");
    touch("m-initrd.img");
    touch("m-cmdline", "console=ttyS0 page_poison=1\n");
    const prefix = join(dir, "m");
    expect(await findBootTarget(prefix)).toEqual({
      kind: "kernel",
      prefix,
      kernel: `${prefix}-kernel`,
      initrd: `${prefix}-initrd.img`,
      cmdline: "console=ttyS0 page_poison=1",
      uefi: false,
    });
  });

  it("boots a kernel without initrd or cmdline files", async () => {
    touch("m-kernel");
    const prefix = join(dir, "m");
    expect(await findBootTarget(prefix, { uefi: true })).toEqual({
      kind: "kernel",
      prefix,
      kernel: `${prefix}-kernel`,
      cmdline: "",
      uefi: true,
    });
  });

  it("finds a squashfs root next to the kernel", async () => {
    touch("s-kernel");
    touch("s-squashfs.img");
    touch("s-cmdline", "console=ttyS0");
    const prefix = join(dir, "s");
    expect(await findBootTarget(prefix)).toEqual({
      kind: "squashfs",
      prefix,
      kernel: `${prefix}-kernel`,
      squashfs: `${prefix}-squashfs.img`,
      cmdline: "console=ttyS0",
      uefi: false,
    });
    // --kernel boots the same prefix as kernel+initrd, ignoring the squashfs.
    expect((await findBootTarget(prefix, { kernel: true })).kind).toBe("kernel");
  });

  it.each(["-kernel", "-initrd.img", "-cmdline"])(
    "accepts the prefix's %s file as the path",
    async (suffix) => {
      touch("m-kernel");
      touch("m-initrd.img");
      touch("m-cmdline", "quiet");
      const target = await findBootTarget(join(dir, `m${suffix}`));
      expect(target).toMatchObject({ kind: "kernel", prefix: join(dir, "m"), cmdline: "quiet" });
    },
  );

  it("boots an existing .iso, its prefix without the suffix", async () => {
    const iso = touch("x.iso");
    expect(await findBootTarget(iso)).toEqual({ kind: "iso", prefix: join(dir, "x"), iso, uefi: false });
  });

  it("--iso takes PREFIX for PREFIX.iso, and any existing file", async () => {
    const iso = touch("x-efi.iso");
    expect(await findBootTarget(join(dir, "x-efi"), { iso: true, uefi: true })).toEqual({
      kind: "iso",
      prefix: join(dir, "x-efi"),
      iso,
      uefi: true,
    });
    const odd = touch("cdrom.img");
    expect(await findBootTarget(odd, { iso: true })).toMatchObject({ kind: "iso", iso: odd });
  });

  it("boots another file as a disk, with its format", async () => {
    const raw = touch("disk.raw");
    const qcow2 = join(dir, "disk.qcow2");
    execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", qcow2, "1M"]);
    expect(await findBootTarget(raw)).toEqual({
      kind: "disk",
      prefix: raw,
      disk: raw,
      format: "raw",
      uefi: false,
    });
    expect(await findBootTarget(qcow2)).toMatchObject({ kind: "disk", disk: qcow2, format: "qcow2" });
  });

  it("names every file it looked for when nothing is there (HV_ARTIFACT_MISSING)", async () => {
    const prefix = join(dir, "minimal");
    const error = await findBootTarget(prefix).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "HV_ARTIFACT_MISSING" });
    expect((error as Error).message).toContain(`${prefix}: no such file, and no ${prefix}-kernel;`);
    expect((error as Error).message).toContain("ocikit build");
  });

  it.each([
    [{ kernel: true }, ["-kernel"]],
    [{ squashfs: true }, ["-kernel", "-squashfs.img"]],
    [{ iso: true }, [".iso"]],
  ])("refuses forced mode %j without its files, naming them", async (options, suffixes) => {
    const prefix = join(dir, "p");
    const error = await findBootTarget(prefix, options).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "HV_ARTIFACT_MISSING" });
    for (const suffix of suffixes) expect((error as Error).message).toContain(`${prefix}${suffix}`);
  });

  it("--squashfs names the missing squashfs when the kernel is there", async () => {
    touch("p-kernel");
    const error = await findBootTarget(join(dir, "p"), { squashfs: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "HV_ARTIFACT_MISSING" });
    expect((error as Error).message).toContain("p-squashfs.img");
    expect((error as Error).message).not.toContain(`no ${join(dir, "p-kernel")}`);
  });

  it.each([
    ["a directory", () => mkdirSync(join(dir, "out")), () => join(dir, "out"), {}],
    ["two modes", () => touch("p-kernel"), () => join(dir, "p"), { kernel: true, iso: true }],
  ])("refuses %s (HV_BAD_OPTION)", async (_name, make, path, options) => {
    make();
    await expect(findBootTarget(path(), options)).rejects.toMatchObject({ code: "HV_BAD_OPTION" });
  });
});
