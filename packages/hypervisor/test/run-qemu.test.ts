/**
 * runQemu boots the three kinds of target that are not a kernel, for real under TCG, with the
 * hand-assembled boot sector of the KVM probe (it prints "ocikit-kvm-ok" on COM1 and halts the CPU):
 * a raw disk image, an El Torito no-emulation ISO made by xorriso, and the same disk through UEFI
 * firmware (OVMF starts from the state directory's copy of its variables and reports on the serial
 * console that it found nothing bootable it can run — a BIOS boot sector is not an EFI program). Each
 * boot is stopped as soon as the console shows what it waits for (a few seconds each).
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROBE_BOOT_SECTOR } from "../src/kvm-probe.js";
import { runQemu } from "../src/run-qemu.js";

let work: string;
let disk: string;
let iso: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ocikit-run-qemu-"));
  disk = join(work, "sector.img");
  const image = Buffer.alloc(1 << 20); // SeaBIOS on q35 wants more than one sector
  Buffer.from(PROBE_BOOT_SECTOR).copy(image);
  await writeFile(disk, image);
  await mkdir(join(work, "iso"));
  const sector = Buffer.alloc(2048);
  Buffer.from(PROBE_BOOT_SECTOR).copy(sector);
  await writeFile(join(work, "iso", "boot.bin"), sector);
  iso = join(work, "sector.iso");
  await promisify(execFile)("xorriso", [
    "-as",
    "mkisofs",
    "-quiet",
    "-b",
    "boot.bin",
    "-no-emul-boot",
    "-boot-load-size",
    "4",
    "-o",
    iso,
    join(work, "iso"),
  ]);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("runQemu", () => {
  it.each([
    ["a disk image", () => disk, /ocikit-kvm-ok/, "disk"],
    ["an ISO (BIOS, El Torito)", () => iso, /ocikit-kvm-ok/, "iso"],
  ])(
    "boots %s",
    async (_name, path, marker, kind) => {
      const run = await runQemu({
        path: path(),
        accel: "tcg",
        memMiB: 128,
        stateDir: join(work, `state-${kind}`),
        timeoutMs: 60_000,
      });
      try {
        expect(run.target.kind).toBe(kind);
        await run.vm.console.waitFor(marker, { timeoutMs: 50_000 });
      } finally {
        await run.vm.kill();
      }
      // The same state directory keeps its MAC address for the next run.
      const mac = (await readFile(join(work, `state-${kind}`, "mac-addr"), "utf8")).trim();
      expect(run.plan.mac).toBe(mac);
    },
    90_000,
  );

  it("boots through UEFI firmware with a per-boot copy of its variables", async () => {
    const state = join(work, "state-uefi");
    const run = await runQemu({
      path: disk,
      mode: { uefi: true },
      accel: "tcg",
      memMiB: 256,
      stateDir: state,
      timeoutMs: 60_000,
    });
    try {
      // Debian's ovmf (tools/dev/setup.sh installs it): code read-only, variables copied per boot.
      expect(run.plan.firmware).toMatchObject({ kind: "split", vars: join(state, "efi-vars.fd") });
      // OVMF's boot manager reports on the serial console (BdsDxe) what it tried.
      await run.vm.console.waitFor(/BdsDxe/, { timeoutMs: 50_000 });
    } finally {
      await run.vm.kill();
    }
    if (run.plan.firmware?.kind === "split")
      expect((await stat(join(state, "efi-vars.fd"))).size).toBeGreaterThan(0);
  }, 90_000);
});
