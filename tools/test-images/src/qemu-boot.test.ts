/**
 * The harness's endings, on the test images' kernel booted without an initrd (it panics after a few
 * seconds under TCG, which `panic=-1` turns into a reboot, which `-no-reboot` turns into an exit).
 */
import { access, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unpackLayoutImage } from "./manual-rootfs.js";
import { bootKernel, startVm } from "./qemu-boot.js";
import { buildTestImages } from "./test-images.js";

let work: string;
let kernel: string;

beforeAll(async () => {
  const images = await buildTestImages();
  work = await mkdtemp(join(tmpdir(), "ocikit-qemu-boot-"));
  await unpackLayoutImage(images.layoutDir, images.refs.kernel, work);
  kernel = join(work, "kernel");
}, 600_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe("bootKernel", () => {
  it("ends when the VM exits: a panic reboots, which ends qemu, and is no poweroff", async () => {
    const result = await bootKernel({
      kernel,
      timeoutMs: 60_000,
      markers: [/Kernel panic/, /never printed/],
    });
    expect(result.ending).toBe("exited");
    expect(result.exitCode).toBe(0);
    expect(result.poweredOff).toBe(false);
    expect(result.markersSeen.map((hit) => hit.line)).toEqual([
      expect.stringMatching(/Kernel panic - not syncing/),
    ]);
    expect(result.markersMissing).toEqual([/never printed/]);
    expect(result.accel).toBe("tcg");
    expect(result.argv).toContain("console=ttyS0 panic=-1");
    const pidFile = result.argv[result.argv.indexOf("-pidfile") + 1] ?? "";
    await expect(access(dirname(pidFile))).rejects.toMatchObject({ code: "ENOENT" }); // the state dir is gone
  }, 90_000);

  it.each([
    [
      "every marker was seen",
      "markers",
      () => ({ markers: [/Linux version \d/], stopWhenMarkersSeen: true, timeoutMs: 60_000 }),
    ],
    ["the timeout", "timeout", () => ({ markers: [/never printed/], timeoutMs: 300 })],
    ["an abort during the boot", "aborted", () => ({ timeoutMs: 60_000, signal: AbortSignal.timeout(300) })],
    ["an abort before the start", "aborted", () => ({ timeoutMs: 60_000, signal: AbortSignal.abort() })],
  ] as const)(
    "kills qemu when %s ends the boot",
    async (_, ending, options) => {
      const result = await bootKernel({ kernel, ...options() });
      expect(result.ending).toBe(ending);
      expect(result.timedOut).toBe(ending === "timeout");
      expect(result.exitSignal).toBe("SIGKILL");
      expect(result.exitCode).toBeNull();
    },
    90_000,
  );
});

describe("startVm", () => {
  it("waits for console lines, and rejects a wait the VM outlives", async () => {
    const vm = await startVm({ kernel, timeoutMs: 60_000 });
    const hit = await vm.waitFor(/Linux version \d/);
    expect(hit.line).toMatch(/\] Linux version 6\.1\./);
    expect(vm.console()).toContain(hit.line);
    // Handled before the stop: the wait rejects as the VM ends, before the result is ready.
    const never = expect(vm.waitFor(/never printed/)).rejects.toMatchObject({ code: "HV_TIMEOUT" });
    const result = await vm.stop();
    await never;
    expect(result.ending).toBe("stopped");
  }, 90_000);
});
