import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROBE_BOOT_SECTOR, probeKvmBoot } from "./kvm-probe.js";

// The probe runs under KVM; here it runs the same boots under TCG to check what it boots and
// what it looks for (this machine's KVM cannot boot: accel.test.ts covers that answer).
const QEMU = "qemu-system-x86_64";

async function hostKernel(): Promise<string> {
  const kernels = (await readdir("/boot")).filter((name) => name.startsWith("vmlinuz-")).sort();
  if (kernels.length === 0)
    throw new Error("no /boot/vmlinuz-*; install linux-image-amd64 (tools/dev/setup.sh)");
  return join("/boot", kernels.at(-1)!);
}

describe("PROBE_BOOT_SECTOR", () => {
  it("is one sector with the boot signature and the message after the code", () => {
    expect(PROBE_BOOT_SECTOR.byteLength).toBe(512);
    expect([...PROBE_BOOT_SECTOR.subarray(510)]).toEqual([0x55, 0xaa]);
    // mov si, 0x7C17 points at the message.
    expect([...PROBE_BOOT_SECTOR.subarray(6, 9)]).toEqual([0xbe, 0x17, 0x7c]);
    expect(new TextDecoder().decode(PROBE_BOOT_SECTOR.subarray(0x17, 0x17 + 15))).toBe("ocikit-kvm-ok\r\n");
  });
});

describe("probeKvmBoot (under TCG)", () => {
  it("passes when the boot sector prints its message on COM1", async () => {
    const result = await probeKvmBoot({ qemu: QEMU, arch: "x86_64", accel: "tcg", timeoutMs: 8000 });
    expect(result).toMatchObject({ passed: true, kind: "boot-sector", detail: 'reached "ocikit-kvm-ok"' });
  }, 20_000);

  it("passes when the kernel prints its banner", async () => {
    const result = await probeKvmBoot({
      qemu: QEMU,
      arch: "x86_64",
      kernel: await hostKernel(),
      accel: "tcg",
      timeoutMs: 8000,
    });
    expect(result).toMatchObject({ passed: true, kind: "kernel" });
    expect(result.detail).toMatch(/Linux version \d/);
  }, 20_000);

  it("fails, naming the wait, when the banner does not come in time", async () => {
    const result = await probeKvmBoot({
      qemu: QEMU,
      arch: "x86_64",
      kernel: await hostKernel(),
      accel: "tcg",
      timeoutMs: 50,
    });
    expect(result).toEqual({
      passed: false,
      kind: "kernel",
      detail: "KVM probe did not reach the kernel banner within 0.1 s",
      elapsedMs: 50,
    });
  });

  it("fails with qemu's complaint when qemu refuses to run", async () => {
    const result = await probeKvmBoot({
      qemu: QEMU,
      arch: "x86_64",
      kernel: "/nonexistent/vmlinuz",
      accel: "tcg",
    });
    expect(result).toMatchObject({ passed: false, kind: "kernel" });
    expect(result.detail).toMatch(/^KVM probe failed: .*\/nonexistent\/vmlinuz/);
  });

  it("refuses the boot sector on another architecture", async () => {
    await expect(probeKvmBoot({ qemu: QEMU, arch: "aarch64" })).rejects.toMatchObject({
      code: "HV_UNSUPPORTED",
    });
  });
});
