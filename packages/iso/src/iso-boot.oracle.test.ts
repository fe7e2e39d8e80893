// Oracle: bootable images. xorriso reports the El Torito catalog we write (BIOS no-emulation with the
// boot info table, an EFI section), fdisk reads the isohybrid MBR, and qemu boots the image under TCG
// — from a CD with syslinux's isolinux.bin, and as a hard disk through the isohybrid MBR — to a
// Debian kernel and a busybox initramfs that prints a marker and powers off; booted from the CD, it
// first mounts the CD with Linux's own ISO 9660 / Rock Ridge reader and lists a tree on it. Needs xorriso, fdisk,
// qemu-system-x86_64, syslinux's isolinux and BIOS modules, a kernel in /boot, busybox and cpio
// (tools/dev/setup.sh installs them).
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { FsEntry } from "@ocikit/fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entry, header, isoOf, sh, tempDir } from "../test/iso-oracle.js";
import { bootInfoChecksum } from "./boot-info-table.js";
import { ISO_DEFAULTS, type IsoOptions } from "./iso-plan.js";

const ISOLINUX_BIN = "/usr/lib/ISOLINUX/isolinux.bin";
const ISOHDPFX_BIN = "/usr/lib/ISOLINUX/isohdpfx.bin";
const LDLINUX_C32 = "/usr/lib/syslinux/modules/bios/ldlinux.c32";
const MARKER = "ocikit-iso-boot: init ran";
const RECORDED = Math.floor(ISO_DEFAULTS.recordedAt.getTime() / 1000);

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

// The modules the kernel needs to read the CD (Debian builds them as modules), in load order
// (`modprobe --show-depends ata_piix sr_mod isofs`).
const MODULES = [
  "drivers/scsi/scsi_common.ko",
  "drivers/scsi/scsi_mod.ko",
  "drivers/ata/libata.ko",
  "drivers/ata/ata_piix.ko",
  "drivers/cdrom/cdrom.ko",
  "drivers/scsi/sr_mod.ko",
  "fs/isofs/isofs.ko",
];

// The guest: loads the CD drivers, mounts the CD (Linux's own Rock Ridge reader, fs/isofs/rock.c),
// prints one line per object of /tree (type, mode, owner, mtime, device, MD5s of the link target
// and of the contents, to keep the lines short), powers off.
const INIT = `#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t devtmpfs dev /dev
mount -t proc proc /proc
for m in ${MODULES.map((m) => m.slice(m.lastIndexOf("/") + 1)).join(" ")}; do insmod /lib/modules/$m; done
for i in $(seq 100); do [ -b /dev/sr0 ] && break; sleep 0.1; done
echo "${MARKER}"
mkdir -p /mnt && mount -t iso9660 -o ro /dev/sr0 /mnt && cd /mnt/tree && find . | while IFS= read -r p; do
  t=""; [ -L "$p" ] && t=$(readlink "$p" | md5sum | cut -d" " -f1)
  m=""; [ -f "$p" ] && [ ! -L "$p" ] && m=$(md5sum "$p" | cut -d" " -f1)
  echo "LS|$p|$(stat -c "%F|%a|%u:%g|%Y|%t,%T" "$p")|$t|$m"
done
echo "LS-DONE"
poweroff -f
`;

/** A gzip'd newc initramfs: busybox as /init with the CD modules. */
function initramfs(): Buffer {
  const root = join(temp.path, "initramfs");
  mkdirSync(join(root, "bin"), { recursive: true });
  mkdirSync(join(root, "lib/modules"), { recursive: true });
  writeFileSync(join(root, "bin", "busybox"), readFileSync("/bin/busybox"), { mode: 0o755 });
  writeFileSync(join(root, "init"), INIT, { mode: 0o755 });
  const modules = join("/lib/modules", basename(kernelPath()).replace(/^vmlinuz-/, ""), "kernel");
  for (const m of MODULES)
    writeFileSync(join(root, "lib/modules", basename(m)), readFileSync(join(modules, m)));
  const cpio = join(temp.path, "initramfs.cpio.gz");
  sh("sh", ["-c", `find . | cpio -o -H newc --quiet | gzip -1 > ${cpio}`], { cwd: root });
  return readFileSync(cpio);
}

const md5 = (bytes: Uint8Array) => createHash("md5").update(bytes).digest("hex");

/** The tree under /tree that the guest lists: what Linux must read back through Rock Ridge. */
const TREE: readonly FsEntry[] = [
  entry(header("tree", "dir", 0o755)),
  entry(header("tree/etc/hosts", "file", 0o644, { uid: 1000, gid: 100 }), "127.0.0.1 localhost\n"),
  entry(header("tree/bin/busybox", "file", 0o4755), "#!/bin/busybox\n"),
  entry({ ...header("tree/bin/sh", "hardlink", 0o755), linkTarget: "tree/bin/busybox" }),
  entry({ ...header("tree/bin/hosts", "symlink", 0o777, { uid: 1000, gid: 5 }), linkTarget: "../etc/hosts" }),
  entry({
    ...header("tree/long-link", "symlink", 0o777),
    linkTarget: `/${"t".repeat(300)}/${"名".repeat(100)}`,
  }),
  entry({ ...header("tree/dev/console", "char", 0o600), devMajor: 5, devMinor: 1 }),
  entry({ ...header("tree/dev/sda", "block", 0o660, { gid: 6 }), devMajor: 8, devMinor: 0 }),
  entry({ ...header("tree/dev/wide", "char", 0o600), devMajor: 10, devMinor: 300 }),
  entry(header("tree/run/initctl", "fifo", 0o600)),
  entry(header("tree/a/b/c/d/e/f/g/h/i/j/deep.txt", "file", 0o644, { mtime: 1_234_567_890 }), "deep\n"),
  entry(header(`tree/${"n".repeat(249)}.txt`, "file", 0o640, { uid: 65534 }), "long name\n"),
  entry(header("tree/ünïcödé 名前.txt", "file", 0o644), "utf-8\n"),
  entry(header("tree/empty", "file", 0o644)),
  entry(
    header("tree/big", "file", 0o644),
    new Uint8Array(5000).map((_, i) => i % 251),
  ),
];

/** The lines the guest should print for TREE (busybox stat's words for types). */
async function expectedGuestListing(): Promise<string[]> {
  const words: Record<string, string> = {
    dir: "directory",
    symlink: "symbolic link",
    char: "character special file",
    block: "block special file",
    fifo: "fifo",
  };
  const byPath = new Map(TREE.map((e) => [e.path, e]));
  const lines: string[] = [];
  const dirs = new Set<string>();
  for (const e of TREE) {
    for (let p = e.path; p.includes("/"); ) {
      p = p.slice(0, p.lastIndexOf("/"));
      dirs.add(p);
    }
  }
  for (const dir of dirs) {
    if (!byPath.has(dir)) byPath.set(dir, entry(header(dir, "dir", 0o755, { mtime: RECORDED })));
  }
  for (const e of byPath.values()) {
    const target = e.type === "hardlink" ? byPath.get(e.linkTarget!)! : e;
    const bytes: Uint8Array[] = [];
    for await (const chunk of target.body()) bytes.push(chunk);
    const content = Buffer.concat(bytes);
    const type =
      target.type === "file"
        ? content.length === 0
          ? "regular empty file"
          : "regular file"
        : words[target.type]!;
    const device =
      target.type === "char" || target.type === "block"
        ? `${target.devMajor!.toString(16)},${target.devMinor!.toString(16)}`
        : "0,0";
    const rel = e.path === "tree" ? "." : `./${e.path.slice("tree/".length)}`;
    lines.push(
      `LS|${rel}|${type}|${target.mode.toString(8)}|${target.uid}:${target.gid}|${target.mtime}|${device}|${target.linkTarget === undefined ? "" : md5(new TextEncoder().encode(`${target.linkTarget}\n`))}|${target.type === "file" ? md5(content) : ""}`,
    );
  }
  return lines.sort();
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
  // Kept as bytes and decoded once: a UTF-8 character can be split across two chunks.
  const output: Buffer[] = [];
  qemu.stdout.on("data", (chunk: Buffer) => output.push(chunk));
  qemu.stderr.on("data", (chunk: Buffer) => output.push(chunk));
  const exited = new Promise<void>((resolve) => qemu.on("exit", () => resolve()));
  const timer = setTimeout(() => qemu.kill("SIGKILL"), timeoutMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
    if (qemu.exitCode === null && qemu.signalCode === null) qemu.kill("SIGKILL");
  }
  return Buffer.concat(output).toString();
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
      ...TREE,
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

  it("boots from a CD under TCG; Linux mounts it and reads the Rock Ridge tree as written", async () => {
    const console = await boot(["-cdrom", isoPath], 40_000);
    expect(console).toContain(MARKER);
    expect(console).toContain("LS-DONE");
    const listed = console
      .split(/\r?\n/)
      .filter((line) => line.startsWith("LS|"))
      .sort();
    expect(listed).toEqual(await expectedGuestListing());
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
