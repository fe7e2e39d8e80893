/**
 * The firmware check: OVMF (UEFI under qemu, TCG) reads one of our FAT images as a disk and starts
 * Debian's systemd-boot from EFI/BOOT/BOOTX64.EFI; systemd-boot then reads loader/loader.conf and
 * loader/entries/*.conf (long names, through the firmware's own FAT driver) and shows the entry's
 * title with loader.conf's timeout on the serial console. FAT12 (an El Torito-sized image) and FAT32
 * (the smallest FAT32 volume); FAT16 behaves the same (checked by hand, README).
 */
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fatImage } from "./fat-image.js";

const OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"; // Debian package ovmf
const OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd";
const SYSTEMD_BOOT = "/usr/lib/systemd/boot/efi/systemd-bootx64.efi"; // Debian package systemd-boot-efi
const LINUX_STUB = "/usr/lib/systemd/boot/efi/linuxx64.efi.stub";
const TITLE = "ocikit FAT check";

const work = mkdtempSync(join(tmpdir(), "ocikit-fat-ovmf-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("a FAT image under UEFI firmware", () => {
  it.each(["fat12", "fat32"] as const)(
    "OVMF boots systemd-boot from a %s image, which reads its loader entries",
    async (fatType) => {
      const text = (s: string) => new TextEncoder().encode(s);
      const image = join(work, `${fatType}.img`);
      const esp = await fatImage(
        [
          { path: "EFI/BOOT/BOOTX64.EFI", data: new Uint8Array(readFileSync(SYSTEMD_BOOT)) },
          { path: "EFI/Linux/stub.efi", data: new Uint8Array(readFileSync(LINUX_STUB)) },
          { path: "loader/loader.conf", data: text("timeout 7\n") },
          {
            path: "loader/entries/ocikit fat check.conf",
            data: text(`title ${TITLE}\nefi /EFI/Linux/stub.efi\n`),
          },
        ],
        { fatType },
      );
      writeFileSync(image, esp);
      const vars = join(work, `${fatType}-vars.fd`);
      copyFileSync(OVMF_VARS, vars);
      const qemu = spawn(
        "qemu-system-x86_64",
        [
          ...["-nodefaults", "-nographic", "-no-reboot", "-machine", "q35", "-m", "256", "-monitor", "none"],
          ...["-drive", `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_CODE}`],
          ...["-drive", `if=pflash,format=raw,unit=1,file=${vars}`],
          ...["-drive", `file=${image},format=raw,if=virtio,snapshot=on`, "-serial", "stdio"],
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      let serial = "";
      try {
        const shown = await new Promise<boolean>((resolve, reject) => {
          const timer = setTimeout(() => resolve(false), 40_000);
          qemu.on("error", (error) =>
            reject(new Error(`qemu-system-x86_64: ${error.message}; run tools/dev/setup.sh`)),
          );
          qemu.on("exit", () => resolve(false));
          qemu.stdout.on("data", (chunk: Buffer) => {
            serial += chunk.toString("latin1");
            // The menu draws the title, then counts down from loader.conf's timeout.
            if (serial.includes(TITLE) && /Boot in 7 s/.test(serial)) {
              clearTimeout(timer);
              resolve(true);
            }
          });
        });
        expect(shown, serial.slice(-2000)).toBe(true);
      } finally {
        qemu.kill("SIGKILL");
      }
    },
    60_000,
  );
});
