import { constants } from "node:fs";
import { mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AccelProbeEvent, type ChooseAcceleratorOptions, chooseAccelerator } from "./accel.js";

const QEMU = "qemu-system-x86_64";
let cacheDir: string;

beforeEach(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), "ocikit-accel-"));
});
afterEach(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

/** chooseAccelerator, with the probe boots it started. */
async function choose(options: Partial<ChooseAcceleratorOptions> = {}) {
  const events: AccelProbeEvent[] = [];
  const started = performance.now();
  const choice = await chooseAccelerator({
    arch: "x86_64",
    qemu: QEMU,
    cacheDir,
    onProgress: (event) => events.push(event),
    ...options,
  });
  const probes = events.filter((event) => event.type === "probe-start").length;
  return { ...choice, probes, events, elapsedMs: performance.now() - started };
}

async function canOpen(device: string): Promise<string | undefined> {
  try {
    await (await open(device, constants.O_RDWR)).close();
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code;
  }
}

describe("chooseAccelerator on this machine", () => {
  it("answers without booting when /dev/kvm is not usable, and probes (then caches) when it is", async () => {
    const unusable = await canOpen("/dev/kvm");
    const first = await choose();
    if (unusable) {
      expect(first).toMatchObject({
        accel: "tcg",
        why: `tcg: /dev/kvm is not usable (${unusable})`,
        probes: 0,
      });
    } else {
      expect(first.probes).toBe(1);
      const second = await choose();
      expect(second).toMatchObject({ accel: first.accel, probes: 0 });
      expect(second.why).toContain("cached");
    }
  });

  // A /dev/kvm that opens where KVM cannot boot (the nested hosts this probe exists for): a file
  // stands in for the device, so the probe boots the real qemu with -accel kvm.
  it("probes once when /dev/kvm opens, caches the answer per machine, and probes again for another CPU", async () => {
    const device = join(cacheDir, "kvm");
    await writeFile(device, "");
    const host = { kvmDevice: device, cpuModel: "Test CPU A" };
    const first = await choose({ host });
    expect(first.probes).toBe(1);
    expect(first.events.find((event) => event.type === "probe-start")).toMatchObject({ kind: "kernel" });
    if (first.accel === "tcg")
      expect(first.why).toMatch(/^tcg: KVM probe .*\(remembered for this machine; --accel kvm forces it\)$/);
    else expect(first.why).toBe("kvm (probe passed)");

    const cache = JSON.parse(await readFile(join(cacheDir, "accel-probe.json"), "utf8"));
    expect(cache.probes).toHaveLength(1);
    expect(cache.probes[0].key).toMatchObject({ cpuModel: "Test CPU A", probe: "kernel" });
    expect(cache.probes[0].key.qemuVersion).toMatch(/^QEMU emulator version/);

    const second = await choose({ host });
    expect(second).toMatchObject({ accel: first.accel, probes: 0 });
    expect(second.why).toMatch(
      first.accel === "tcg" ? /\(cached for this machine; --accel kvm forces it\)$/ : /, cached\)$/,
    );
    expect(second.elapsedMs).toBeLessThan(1000);

    const otherCpu = await choose({ host: { ...host, cpuModel: "Test CPU B" } });
    expect(otherCpu.probes).toBe(1);
    const both = JSON.parse(await readFile(join(cacheDir, "accel-probe.json"), "utf8"));
    expect(both.probes.map((probe: { key: { cpuModel: string } }) => probe.key.cpuModel)).toEqual([
      "Test CPU A",
      "Test CPU B",
    ]);
  }, 20_000);

  it("probes again over a damaged cache file", async () => {
    const device = join(cacheDir, "kvm");
    await writeFile(device, "");
    await writeFile(join(cacheDir, "accel-probe.json"), "{ not json");
    const first = await choose({ host: { kvmDevice: device } });
    expect(first.probes).toBe(1);
    expect(JSON.parse(await readFile(join(cacheDir, "accel-probe.json"), "utf8")).version).toBe(1);
  }, 20_000);
});

describe("chooseAccelerator without probing", () => {
  it.each<[string, Partial<ChooseAcceleratorOptions>, string, string]>([
    // A qemu that does not exist shows that nothing was run.
    ["--accel tcg", { requested: "tcg", qemu: "qemu-system-nonesuch" }, "tcg", "tcg (--accel tcg)"],
    [
      "another architecture",
      { arch: "aarch64", qemu: "qemu-system-nonesuch" },
      "tcg",
      "tcg: aarch64 guests cannot use the x86_64 host's accelerator",
    ],
    ["macOS", { host: { platform: "darwin", arch: "x86_64" } }, "hvf", "hvf (macOS; not probed)"],
    ["--accel hvf on macOS", { requested: "hvf", host: { platform: "darwin" } }, "hvf", "hvf (--accel hvf)"],
    [
      "a missing /dev/kvm",
      { host: { kvmDevice: "/nonexistent/kvm" } },
      "tcg",
      "tcg: /nonexistent/kvm is not usable (ENOENT)",
    ],
  ])("%s", async (_name, options, accel, why) => {
    const choice = await choose({ host: { arch: "x86_64", platform: "linux", ...options.host }, ...options });
    expect(choice).toMatchObject({ accel, why, probes: 0 });
  });

  it.each<[string, Partial<ChooseAcceleratorOptions>]>([
    ["--accel hvf off macOS", { requested: "hvf", host: { platform: "linux" } }],
    [
      "--accel kvm without a usable /dev/kvm",
      { requested: "kvm", host: { platform: "linux", kvmDevice: "/nonexistent/kvm" } },
    ],
    ["--accel kvm on macOS", { requested: "kvm", host: { platform: "darwin" } }],
  ])("refuses %s with HV_UNSUPPORTED", async (_name, options) => {
    await expect(choose(options)).rejects.toMatchObject({ code: "HV_UNSUPPORTED" });
  });

  it("refuses a probe kernel that is not there (rather than caching a failed probe)", async () => {
    const device = join(cacheDir, "kvm");
    await writeFile(device, "");
    await expect(
      choose({
        probeKernel: join(cacheDir, "no-kernel"),
        host: { platform: "linux", arch: "x86_64", kvmDevice: device },
      }),
    ).rejects.toMatchObject({ code: "HV_ARTIFACT_MISSING" });
  });

  it("takes --accel kvm as it is when /dev/kvm opens", async () => {
    const device = join(cacheDir, "kvm");
    await writeFile(device, "");
    expect(await choose({ requested: "kvm", host: { platform: "linux", kvmDevice: device } })).toMatchObject({
      accel: "kvm",
      why: "kvm (--accel kvm)",
      probes: 0,
    });
  });
});
