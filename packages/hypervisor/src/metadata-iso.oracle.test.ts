// Oracles for the --data ISO: isoinfo (genisoimage) and xorriso read what writeMetadataIso writes,
// and a Linux guest booted under TCG by qemuArgv's command line mounts it from /dev/sr0 and reads
// /config, the way LinuxKit's pkg/metadata does. Needs genisoimage, xorriso, cpio, busybox-static,
// linux-image-amd64 and qemu-system-x86.
import { execFileSync, spawn } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeMetadataIso } from "./metadata-iso.js";
import { qemuArgv } from "./qemu-argv.js";

const dir = mkdtempSync(join(tmpdir(), "ocikit-metadata-iso-oracle-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DATA = new TextEncoder().encode('{"hostname":"vm1","ssh":{"port":22}}\n');

describe("isoinfo and xorriso read the metadata ISO", () => {
  const iso = join(dir, "data.iso");
  const big = join(dir, "big.iso");
  const bigData = Uint8Array.from({ length: 5 * 2 ** 20 + 123 }, (_, i) => (i * 31) & 0xff);

  beforeAll(async () => {
    await writeMetadataIso(DATA, iso);
    await writeMetadataIso(bigData, big);
  });

  it("isoinfo -d: an ISO 9660 volume labelled config, 22 sectors", () => {
    const info = execFileSync("isoinfo", ["-d", "-i", iso], { encoding: "utf8" });
    expect(info).toContain("CD-ROM is in ISO 9660 format");
    expect(info).toMatch(/^Volume id: config$/m);
    expect(info).toMatch(/^Volume size is: 22$/m);
    expect(info).toContain("NO Joliet present");
    expect(info).toContain("NO Rock Ridge present");
  });

  it("isoinfo -f lists one file, and -x gives its bytes back", () => {
    expect(execFileSync("isoinfo", ["-f", "-i", iso], { encoding: "utf8" })).toBe("/CONFIG.;1\n");
    const back = execFileSync("isoinfo", ["-x", "/CONFIG.;1", "-i", iso]);
    expect(back.equals(DATA)).toBe(true);
  });

  it("xorriso finds /CONFIG, checks every block, and extracts the same bytes from a 5 MiB file", () => {
    const find = execFileSync("xorriso", ["-indev", big, "-find", "/", "-type", "f"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    expect(find.trim()).toBe("'/CONFIG'");
    const check = execFileSync("xorriso", ["-indev", big, "-check_media", "--"], {
      encoding: "utf8",
      stdio: "pipe",
    });
    expect(check).toMatch(/Media region :\s+0 ,\s+2582 , \+ good/);
    const out = join(dir, "extracted");
    execFileSync("xorriso", ["-osirrox", "on", "-indev", big, "-extract", "/CONFIG", out], {
      stdio: "ignore",
    });
    expect(readFileSync(out).equals(bigData)).toBe(true);
  });
});

describe("a Linux guest reads /config from the metadata ISO", () => {
  it("boots the Debian kernel under TCG, mounts /dev/sr0 and prints config", async () => {
    const iso = join(dir, "guest-data.iso");
    await writeMetadataIso(DATA, iso);
    const kernelName = readdirSync("/boot").find((name) => name.startsWith("vmlinuz-"));
    if (!kernelName) throw new Error("no /boot/vmlinuz-*; apt-get install linux-image-amd64");
    const release = kernelName.slice("vmlinuz-".length);
    const initrd = guestInitrd(release);
    const argv = qemuArgv({
      arch: "x86_64",
      qemu: "qemu-system-x86_64",
      accel: "tcg",
      cpus: 1,
      memMiB: 512,
      uuid: "2a0cbd9e-5a3b-4c8e-9f55-0d0f5cf3c0a1",
      target: {
        kind: "kernel",
        prefix: join(dir, "guest"),
        kernel: join("/boot", kernelName),
        initrd,
        cmdline: "console=ttyS0 panic=-1 quiet",
        uefi: false,
      },
      disks: [],
      cdroms: [iso],
      networking: { mode: "none" },
      publish: [],
      mac: "02:00:00:00:00:01",
      pidFile: join(dir, "guest.pid"),
      qmpSocket: join(dir, "guest.sock"),
      gui: false,
      usb: false,
      devices: [],
      extraArgs: ["-no-reboot"],
    });
    const { stdout, stderr, code } = await run("qemu-system-x86_64", argv, 80_000);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const listing = /LISTING-BEGIN\n([\s\S]*?)LISTING-END/.exec(stdout.replaceAll("\r", ""))?.[1];
    expect(listing).toBe("config\n");
    const config = /CONFIG-BEGIN\n([\s\S]*?)CONFIG-END/.exec(stdout.replaceAll("\r", ""))?.[1];
    expect(config).toBe(new TextDecoder().decode(DATA));
  }, 90_000);
});

/** An initramfs: static busybox, the CD-ROM and iso9660 modules of `release`, and an init that prints /config. */
function guestInitrd(release: string): string {
  const root = join(dir, "initrd-root");
  for (const sub of ["bin", "dev", "proc", "mnt", "modules"]) mkdirSync(join(root, sub), { recursive: true });
  copyFileSync("/bin/busybox", join(root, "bin", "busybox"));
  // q35's CD-ROM sits on AHCI; Debian builds all of these as modules. Listed in dependency order.
  const modules = ["scsi_common", "scsi_mod", "libata", "libahci", "ahci", "cdrom", "sr_mod", "isofs"];
  const dep = readFileSync(join("/lib/modules", release, "modules.dep"), "utf8");
  for (const name of modules) {
    const path = new RegExp(`^(\\S*/${name}\\.ko):`, "m").exec(dep)?.[1];
    if (!path) throw new Error(`${name}.ko not in /lib/modules/${release}/modules.dep`);
    copyFileSync(join("/lib/modules", release, path), join(root, "modules", `${name}.ko`));
  }
  const bb = "/bin/busybox";
  writeFileSync(
    join(root, "init"),
    [
      `#!${bb} sh`,
      `${bb} mount -t devtmpfs dev /dev`,
      `${bb} mount -t proc proc /proc`,
      `for m in ${modules.join(" ")}; do ${bb} insmod /modules/$m.ko; done`,
      `for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do [ -b /dev/sr0 ] && break; ${bb} sleep 0.5; done`,
      `${bb} mount -t iso9660 -o ro /dev/sr0 /mnt`,
      `echo LISTING-BEGIN; ${bb} ls /mnt; echo LISTING-END`,
      `echo CONFIG-BEGIN; ${bb} cat /mnt/config; echo CONFIG-END`,
      `${bb} poweroff -f`,
      "",
    ].join("\n"),
  );
  chmodSync(join(root, "init"), 0o755);
  const initrd = join(dir, "guest-initrd.cpio");
  execFileSync("sh", ["-c", `cd "${root}" && find . | cpio -o -H newc --quiet > "${initrd}"`]);
  return initrd;
}

function run(program: string, args: readonly string[], timeoutMs: number) {
  return new Promise<{ stdout: string; stderr: string; code: number | null }>((resolve) => {
    const child = spawn(program, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
  });
}
