// Oracle: bootable images. xorriso reports the El Torito catalog we write (BIOS no-emulation with the
// boot info table, an EFI section), fdisk reads the isohybrid MBR, and qemu boots the image under TCG
// — from a CD with syslinux's isolinux.bin, and as a hard disk through the isohybrid MBR — to a
// Debian kernel and a busybox initramfs that prints a marker and powers off. Needs xorriso, fdisk,
// qemu-system-x86_64, syslinux's isolinux and BIOS modules, a kernel in /boot, busybox and cpio
// (tools/dev/setup.sh installs them).
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entry, header, isoOf, sh, tempDir } from "../test/iso-oracle.js";
import { bootInfoChecksum } from "./boot-info-table.js";
import type { IsoOptions } from "./iso-plan.js";

const ISOLINUX_BIN = "/usr/lib/ISOLINUX/isolinux.bin";
const ISOHDPFX_BIN = "/usr/lib/ISOLINUX/isohdpfx.bin";
const LDLINUX_C32 = "/usr/lib/syslinux/modules/bios/ldlinux.c32";
const MARKER = "ocikit-iso-boot: init ran";

const temp = tempDir();
afterAll(() => temp.remove());

/** The newest Debian kernel in /boot. */
function kernelPath(): string {
  const names = readdirSync("/boot")
    .filter((n) => /^vmlinuz-/.test(n))
    .sort();
  if (names.length === 0) throw new Error("no /boot/vmlinuz-*; run tools/dev/setup.sh (linux-image-amd64)");
  return join("/boot", names.at(-1)!);
}

/** A gzip'd newc initramfs: busybox as /init, printing the marker and powering off. */
function initramfs(): Buffer {
  const root = join(temp.path, "initramfs");
  mkdirSync(join(root, "bin"), { recursive: true });
  writeFileSync(join(root, "bin", "busybox"), readFileSync("/bin/busybox"), { mode: 0o755 });
  writeFileSync(join(root, "init"), `#!/bin/busybox sh\necho "${MARKER}"\n/bin/busybox poweroff -f\n`, {
    mode: 0o755,
  });
  const cpio = join(temp.path, "initramfs.cpio.gz");
  sh("sh", ["-c", `find . | cpio -o -H newc --quiet | gzip -1 > ${cpio}`], { cwd: root });
  return readFileSync(cpio);
}

const ISOLINUX_CFG = [
  "DEFAULT linux",
  "PROMPT 0",
  "TIMEOUT 0",
  "LABEL linux",
  "  KERNEL /boot/vmlinuz",
  "  INITRD /boot/initrd.img",
  "  APPEND console=ttyS0 panic=-1 quiet",
  "",
].join("\n");

const bootOptions = (extra: Partial<NonNullable<IsoOptions["boot"]>> = {}): IsoOptions => ({
  volumeId: "OCIKIT_BOOT",
  boot: {
    catalogPath: "isolinux/boot.cat",
    entries: [{ platform: "bios", path: "isolinux/isolinux.bin", bootInfoTable: true }],
    isohybrid: { mbrTemplate: readFileSync(ISOHDPFX_BIN) },
    ...extra,
  },
});

/** Boots qemu under TCG until the marker and the power-off, or the timeout; qemu is always killed. */
async function boot(args: readonly string[], timeoutMs: number): Promise<string> {
  const qemu = spawn(
    "qemu-system-x86_64",
    [
      "-accel",
      "tcg",
      "-m",
      "256",
      "-display",
      "none",
      "-serial",
      "stdio",
      "-monitor",
      "none",
      "-no-reboot",
      ...args,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  qemu.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  qemu.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => qemu.on("exit", () => resolve()));
  const timer = setTimeout(() => qemu.kill("SIGKILL"), timeoutMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
    if (qemu.exitCode === null && qemu.signalCode === null) qemu.kill("SIGKILL");
  }
  return output;
}

describe("a BIOS-bootable image (isolinux)", () => {
  let isoPath: string;
  let iso: Buffer;
  const isolinux = readFileSync(ISOLINUX_BIN);
  beforeAll(async () => {
    const tree = [
      entry(header("isolinux", "dir", 0o755)),
      entry(header("isolinux/isolinux.bin", "file", 0o644), isolinux),
      entry(header("isolinux/ldlinux.c32", "file", 0o644), readFileSync(LDLINUX_C32)),
      entry(header("isolinux/isolinux.cfg", "file", 0o644), ISOLINUX_CFG),
      entry(header("boot/vmlinuz", "file", 0o644), readFileSync(kernelPath())),
      entry(header("boot/initrd.img", "file", 0o644), initramfs()),
    ];
    iso = await isoOf(tree, bootOptions());
    isoPath = join(temp.path, "boot.iso");
    writeFileSync(isoPath, iso);
  });

  it("has the catalog xorriso reports: BIOS, no emulation, 4 sectors, boot info table, isohybrid", () => {
    const report = sh("xorriso", ["-indev", isoPath, "-report_el_torito", "plain"]);
    expect(report).toContain("El Torito cat path : /isolinux/boot.cat");
    expect(report).toMatch(/El Torito boot img :\s+1\s+BIOS\s+y\s+none\s+0x0000\s+0x00\s+4\s+\d+/);
    expect(report).toContain("El Torito img path :   1  /isolinux/isolinux.bin");
    expect(report).toMatch(/El Torito img opts :\s+1\s+boot-info-table isohybrid-suitable/);
  });

  it("patches isolinux.bin's boot info table as mkisofs does", () => {
    const lba = Number(
      /El Torito boot img :.*\s(\d+)\s*$/m.exec(
        sh("xorriso", ["-indev", isoPath, "-report_el_torito", "plain"]),
      )![1],
    );
    const onDisk = iso.subarray(lba * 2048, lba * 2048 + isolinux.length);
    const table = Buffer.from(onDisk.subarray(8, 24));
    expect([
      table.readUInt32LE(0),
      table.readUInt32LE(4),
      table.readUInt32LE(8),
      table.readUInt32LE(12),
    ]).toEqual([16, lba, isolinux.length, bootInfoChecksum(isolinux)]);
    expect(onDisk.subarray(64).equals(isolinux.subarray(64))).toBe(true);
  });

  it("has the isohybrid MBR fdisk reads: one active partition over the whole 1 MiB-padded image", () => {
    expect(iso.length % (1024 * 1024)).toBe(0);
    const fdisk = sh("fdisk", ["-l", isoPath]);
    expect(fdisk).toMatch(
      new RegExp(
        `boot\\.iso1 \\*\\s+0\\s+${iso.length / 512 - 1}\\s+${iso.length / 512}\\s.*17 Hidden HPFS/NTFS`,
      ),
    );
  });

  it("boots from a CD to the init's marker under TCG", async () => {
    const console = await boot(["-cdrom", isoPath], 40_000);
    expect(console).toContain(MARKER);
    expect(console).toMatch(/reboot: Power down/);
  }, 45_000);

  it("boots from a hard disk through the isohybrid MBR under TCG", async () => {
    const console = await boot(["-drive", `file=${isoPath},format=raw,if=ide`], 40_000);
    expect(console).toContain(MARKER);
    expect(console).toMatch(/reboot: Power down/);
  }, 45_000);
});

describe("an image with BIOS and EFI entries", () => {
  it("has a validation entry for x86, the BIOS default entry and an EFI section (xorriso)", async () => {
    const efiImage = new Uint8Array(3 * 1024 * 1024 + 100).fill(0xf6);
    const tree = [
      entry(header("isolinux/isolinux.bin", "file", 0o644), readFileSync(ISOLINUX_BIN)),
      entry(header("EFI/boot/efiboot.img", "file", 0o644), efiImage),
    ];
    const options = bootOptions({
      entries: [
        { platform: "bios", path: "isolinux/isolinux.bin", bootInfoTable: true },
        { platform: "efi", path: "EFI/boot/efiboot.img" },
      ],
      isohybrid: { mbrTemplate: readFileSync(ISOHDPFX_BIN), efiPartition: true },
    });
    const isoPath = join(temp.path, "efi.iso");
    const iso = await isoOf(tree, options);
    writeFileSync(isoPath, iso);
    const report = sh("xorriso", ["-indev", isoPath, "-report_el_torito", "plain"]);
    expect(report).toMatch(/El Torito boot img :\s+1\s+BIOS\s+y\s+none\s+0x0000\s+0x00\s+4\s+\d+/);
    const efi = /El Torito boot img :\s+2\s+UEFI\s+y\s+none\s+0x0000\s+0x00\s+(\d+)\s+(\d+)/.exec(report);
    expect(efi).not.toBeNull();
    expect(Number(efi![1])).toBe(Math.ceil(efiImage.length / 512));
    expect(report).toContain("El Torito img path :   2  /EFI/boot/efiboot.img");
    const efiLba = Number(efi![2]);
    // isohybrid --uefi's MBR: partition 1 (type 0) over the image, partition 2 (0xEF) over the EFI image.
    const fdisk = sh("fdisk", ["-l", isoPath]);
    expect(fdisk).toMatch(
      new RegExp(`efi\\.iso1 \\*\\s+0\\s+${iso.length / 512 - 1}\\s+${iso.length / 512}\\s.*\\s0 Empty`),
    );
    expect(fdisk).toMatch(
      new RegExp(
        `efi\\.iso2\\s+${efiLba * 4}\\s+${efiLba * 4 + Math.ceil(efiImage.length / 512) - 1}\\s+${Math.ceil(efiImage.length / 512)}\\s.*ef EFI`,
      ),
    );
  });
});
