import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { readdirSync } from "node:fs";
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { fatImage } from "./fat-image.js";
import { EFI_SYSTEM_PARTITION_TYPE_GUID } from "./gpt-guid.js";
import { writeRawEfi } from "./raw-efi.js";
import { assembleUki } from "./uki.js";

const run = promisify(execFile);
const STUB = "/usr/lib/systemd/boot/efi/linuxx64.efi.stub";
const KERNEL = `/boot/${readdirSync("/boot")
  .filter((name) => name.startsWith("vmlinuz-"))
  .sort()
  .at(-1)}`;
const OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd";
const OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd";
const CMDLINE = "console=ttyS0 panic=-1";

// The guest: busybox as /init shows the command line the stub passed (from .cmdline) and powers off.
const INIT = `#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
echo "ocikit-uki: booted, cmdline [$(/bin/busybox cat /proc/cmdline)]"
/bin/busybox poweroff -f
`;

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return new Uint8Array(Buffer.concat(parts));
}

describe("writeRawEfi: a GPT disk whose ESP holds the UKI, booted by OVMF under TCG", () => {
  let dir: string;
  let disk: string;
  let uki: Uint8Array;
  let diskBytes: Uint8Array;
  let espOffset: number;
  let espSizeBytes: number;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ocikit-raw-efi-"));
    const root = join(dir, "root");
    await mkdir(join(root, "bin"), { recursive: true });
    await mkdir(join(root, "proc"));
    await copyFile("/bin/busybox", join(root, "bin", "busybox"));
    await writeFile(join(root, "init"), INIT);
    await chmod(join(root, "init"), 0o755);
    const initrd = join(dir, "initrd.cpio");
    await run("sh", ["-c", `find . | cpio -o -H newc --quiet > ${initrd}`], { cwd: root });
    uki = assembleUki({
      stub: new Uint8Array(await readFile(STUB)),
      osRelease: 'NAME="ocikit test"\nID=ocikit\n',
      cmdline: CMDLINE,
      linux: new Uint8Array(await readFile(KERNEL)),
      initrd: new Uint8Array(await readFile(initrd)),
    });
    const raw = await writeRawEfi({ uki, fatImage });
    espOffset = raw.plan.partitions[0]!.offsetBytes;
    espSizeBytes = raw.plan.partitions[0]!.sizeBytes;
    diskBytes = await collect(raw.image);
    expect(diskBytes.length).toBe(raw.sizeBytes);
    disk = join(dir, "disk.img");
    await writeFile(disk, diskBytes);
  });
  afterEach(async () => {
    // Whatever a test did, no qemu outlives it.
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await once(child, "exit");
      }
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("has one EFI system partition that sgdisk verifies", async () => {
    const { stdout } = await run("sgdisk", ["-p", "-v", disk]);
    expect(stdout).toContain("No problems found.");
    expect(stdout).toMatch(/^\s+1\s+2048\s+\d+\s+.*EF00\s+ESP$/m);
    const table = JSON.parse((await run("sfdisk", ["--json", disk])).stdout).partitiontable;
    expect(table.partitions).toHaveLength(1);
    expect(table.partitions[0]).toMatchObject({
      start: 2048,
      type: EFI_SYSTEM_PARTITION_TYPE_GUID,
      name: "ESP",
    });
  });

  it("holds the UKI as EFI/BOOT/BOOTX64.EFI in the ESP (mtools reads it back)", async () => {
    const out = join(dir, "BOOTX64.EFI");
    await run("mcopy", ["-n", "-i", `${disk}@@${espOffset}`, "::/EFI/BOOT/BOOTX64.EFI", out]);
    expect(Buffer.from(await readFile(out)).equals(Buffer.from(uki))).toBe(true);
  });

  it("has an ESP that fsck.fat passes, whose BPB_HiddSec is the partition's first LBA", async () => {
    const esp = join(dir, "esp.img");
    await writeFile(esp, diskBytes.subarray(espOffset, espOffset + espSizeBytes));
    const { stdout } = await run("fsck.fat", ["-n", "-v", esp]);
    expect(stdout).toMatch(/\/EFI\/BOOT\/BOOTX64\.EFI|files?, \d+\/\d+ clusters/);
    expect(stdout).not.toMatch(/differ|corrupt|invalid|free cluster summary wrong/i);
    const bootSector = new DataView(diskBytes.buffer, diskBytes.byteOffset + espOffset, 512);
    expect(bootSector.getUint32(28, true)).toBe(2048);
  });

  it("gives the same UKI the same GUIDs and another UKI others", async () => {
    const fixedFat = async () => new Uint8Array(4096);
    const a = await writeRawEfi({ uki, fatImage: fixedFat });
    const b = await writeRawEfi({ uki, fatImage: fixedFat });
    const other = await writeRawEfi({ uki: uki.subarray(1), fatImage: fixedFat });
    expect(Buffer.from(await collect(b.image)).equals(Buffer.from(await collect(a.image)))).toBe(true);
    expect(other.plan.diskGuid).not.toBe(a.plan.diskGuid);
    expect(other.plan.partitions[0]!.guid).not.toBe(a.plan.partitions[0]!.guid);
  });

  it("names the boot file after the architecture", async () => {
    const seen: string[] = [];
    const record = async (files: readonly { path: string }[], placement: { hiddenSectors: number }) => {
      seen.push(...files.map((file) => `${file.path} at LBA ${placement.hiddenSectors}`));
      return new Uint8Array(512);
    };
    await writeRawEfi({ uki, fatImage: record });
    await writeRawEfi({ uki, fatImage: record, arch: "aarch64" });
    expect(seen).toEqual(["EFI/BOOT/BOOTX64.EFI at LBA 2048", "EFI/BOOT/BOOTAA64.EFI at LBA 2048"]);
  });

  it("boots: OVMF starts the UKI, the stub starts the kernel with .cmdline and .initrd, init powers off", async () => {
    const vars = join(dir, "OVMF_VARS.fd");
    // A fresh copy of the variable store for every boot (toolchain.md: a reused one fell into the EFI shell).
    await copyFile(OVMF_VARS, vars);
    const qemu = spawn(
      "qemu-system-x86_64",
      [
        ...["-accel", "tcg", "-m", "512", "-machine", "q35"],
        ...["-drive", `if=pflash,format=raw,readonly=on,file=${OVMF_CODE}`],
        ...["-drive", `if=pflash,format=raw,file=${vars}`],
        ...["-drive", `file=${disk},format=raw`],
        ...["-display", "none", "-serial", "stdio", "-monitor", "none", "-no-reboot"],
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    children.push(qemu);
    let output = "";
    qemu.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString("latin1");
    });
    qemu.stderr!.on("data", (chunk: Buffer) => {
      output += chunk.toString("latin1");
    });
    const started = performance.now();
    const exited = once(qemu, "exit");
    const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 75_000).unref());
    const end = await Promise.race([exited, timeout]);
    const tail = output.slice(-3000);
    expect(end, `qemu did not exit within 75 s; console tail:\n${tail}`).not.toBe("timeout");
    expect(output, tail).toContain(`ocikit-uki: booted, cmdline [${CMDLINE}]`);
    expect(output).toContain("reboot: Power down");
    expect(qemu.exitCode).toBe(0);
    console.info(`raw-efi boot to poweroff: ${((performance.now() - started) / 1000).toFixed(1)} s (tcg)`);
  }, 90_000);
});
