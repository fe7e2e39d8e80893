import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launchQemu, type RunningVm, startQemu } from "./vm.js";

const QEMU = "qemu-system-x86_64";
// qemu with no machine starts at once and serves QMP: the launcher's plumbing without a guest.
const NO_GUEST = [
  "-machine",
  "none",
  "-nodefaults",
  "-display",
  "none",
  "-serial",
  "stdio",
  "-monitor",
  "none",
];

let dir: string;
const vms: RunningVm[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ocikit-vm-"));
});
afterEach(async () => {
  // Whatever a test did, no qemu outlives it.
  await Promise.all(vms.splice(0).map((vm) => vm.kill()));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function launch(options: Omit<Parameters<typeof launchQemu>[0], "accel"> & { accel?: "tcg" }) {
  const vm = await launchQemu({ accel: "tcg", ...options });
  vms.push(vm);
  return vm;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    // ESRCH: no such process, the answer we look for.
    return false;
  }
}

describe("launchQemu without a guest", () => {
  it.each([
    ["a name not on PATH", "qemu-system-nonesuch"],
    ["a path that is not there", "/nonexistent/qemu-system-x86_64"],
  ])("refuses %s with HV_TOOL_MISSING before spawning", async (_name, program) => {
    await expect(launchQemu({ program, args: [], accel: undefined })).rejects.toMatchObject({
      code: "HV_TOOL_MISSING",
    });
  });

  it("reports qemu refusing its arguments as qemu-error with its stderr", async () => {
    const vm = await launch({ program: QEMU, args: ["-bogus"] });
    const end = await vm.ended;
    expect(end).toMatchObject({ reason: "qemu-error", clean: false, exitCode: 1 });
    expect(end.qemuStderr).toContain("-bogus: invalid option");
    expect(end.summary).toMatch(/^qemu-system-x86_64 failed after .* \(exit 1\): .*invalid option/);
    await expect(vm.started).rejects.toMatchObject({
      code: "HV_QEMU_FAILED",
      message: expect.stringContaining("-bogus: invalid option"),
    });
    await expect(startQemu({ program: QEMU, args: ["-bogus"], accel: "tcg" })).rejects.toMatchObject({
      code: "HV_QEMU_FAILED",
    });
  });

  it("is started once QMP answers; stop() kills after the grace time when nothing powers off", async () => {
    const qmpSocket = join(dir, "stop.sock");
    const vm = await launch({
      program: QEMU,
      args: [...NO_GUEST, "-qmp", `unix:${qmpSocket},server=on,wait=off`],
      qmpSocket,
    });
    await vm.started;
    expect(vm.qmp).toBeDefined();
    expect(await vm.qmp?.execute("query-status")).toMatchObject({ running: true });
    expect(vm.argv).toEqual([QEMU, ...NO_GUEST, "-qmp", `unix:${qmpSocket},server=on,wait=off`]);
    const before = performance.now();
    const end = await vm.stop({ graceMs: 300 });
    expect(performance.now() - before).toBeGreaterThanOrEqual(290);
    expect(end).toMatchObject({ reason: "killed", clean: false, signal: "SIGKILL" });
    expect(end.summary).toMatch(/killed after .* \(tcg\): the guest ignored system_powerdown for 0.3 s/);
    expect(vm.qmp?.events.map((event) => event.event)).toContain("POWERDOWN");
    expect(isAlive(vm.pid!)).toBe(false);
  });

  it.each([
    ["kill()", {}, (vm: RunningVm) => vm.kill(), "kill() was called"],
    ["kill(why)", {}, (vm: RunningVm) => vm.kill("the test said so"), "the test said so"],
    ["its timeout", { timeoutMs: 800 }, () => undefined, "its 0.8 s timeout ran out"],
    ["stop() without QMP", {}, (vm: RunningVm) => vm.stop({ graceMs: 60_000 }), "without a QMP socket"],
  ])("ends by %s as killed", async (_name, extra, act, why) => {
    const vm = await launch({ program: QEMU, args: NO_GUEST, ...extra });
    await vm.started;
    void act(vm);
    const end = await vm.ended;
    expect(end).toMatchObject({ reason: "killed", clean: false });
    expect(end.summary).toContain(why);
  });

  it("ends when its abort signal fires, and an aborted start rejects started", async () => {
    const controller = new AbortController();
    const vm = await launch({ program: QEMU, args: NO_GUEST, signal: controller.signal });
    controller.abort();
    const end = await vm.ended;
    expect(end).toMatchObject({ reason: "killed" });
    expect(end.summary).toContain("aborted");
    await expect(vm.started).rejects.toMatchObject({ code: "HV_QEMU_FAILED" });
  });

  it.each([
    ["exits normally", "process.exit(0)"],
    ["is killed (setpriv's death signal)", "process.kill(process.pid, 'SIGKILL')"],
  ])(
    "takes qemu down when our process %s",
    async (_name, end) => {
      const script = join(dir, `parent-${vms.length}-${Math.random().toString(36).slice(2)}.mts`);
      await writeFile(
        script,
        `import { launchQemu } from ${JSON.stringify(join(import.meta.dirname, "vm.ts"))};
const vm = await launchQemu({ program: "${QEMU}", args: ${JSON.stringify(NO_GUEST)}, accel: "tcg" });
await vm.started;
console.log(vm.pid);
${end};
`,
      );
      const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", script], {
        cwd: join(import.meta.dirname, ".."),
        stdio: ["ignore", "pipe", "inherit"],
      });
      let output = "";
      child.stdout.on("data", (chunk) => {
        output += chunk;
      });
      await once(child, "exit");
      const qemuPid = Number(output.trim());
      expect(qemuPid).toBeGreaterThan(0);
      const deadline = performance.now() + 2000;
      while (isAlive(qemuPid) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(isAlive(qemuPid)).toBe(false);
    },
    30_000,
  );
});

/** The Debian kernel on this machine, or test-images' copy of it (tools/test-images/README.md). */
async function findKernel(): Promise<string> {
  const candidates: string[] = [];
  for (const where of ["/boot", join(homedir(), ".cache", "ocikit-test-images")]) {
    if (!existsSync(where)) continue;
    const names = (await readdir(where, { recursive: true })).map(String);
    candidates.push(
      ...names
        .filter((name) => /(^|\/)vmlinuz-[^/]*$/.test(name))
        .sort()
        .map((name) => join(where, name)),
    );
  }
  if (candidates.length === 0)
    throw new Error(
      "no kernel in /boot or ~/.cache/ocikit-test-images; run tools/dev/setup.sh (linux-image-amd64)",
    );
  return candidates.at(-1)!;
}

// The guest: busybox as /init prints a marker, reads a line from the serial console (proving that
// typing reaches it) and then halts or powers off as told.
const INIT = `#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
echo "ocikit-test: ready"
read -r line
echo "ocikit-test: got [$line]"
if [ "$line" = halt ]; then /bin/busybox halt -f; else /bin/busybox poweroff -f; fi
`;

describe("launchQemu booting a guest (TCG)", () => {
  let kernel: string;
  let initrd: string;

  beforeAll(async () => {
    kernel = await findKernel();
    const root = join(dir, "root");
    await mkdir(join(root, "bin"), { recursive: true });
    await mkdir(join(root, "proc"));
    await copyFile("/bin/busybox", join(root, "bin", "busybox"));
    await writeFile(join(root, "init"), INIT);
    await chmod(join(root, "init"), 0o755);
    initrd = join(dir, "initrd.cpio");
    await promisify(execFile)("sh", ["-c", `find . | cpio -o -H newc --quiet > ${initrd}`], { cwd: root });
  });

  const bootArgs = (qmpSocket: string) => [
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
    "-kernel",
    kernel,
    "-initrd",
    initrd,
    "-append",
    "console=ttyS0 panic=-1 quiet",
    "-qmp",
    `unix:${qmpSocket},server=on,wait=off`,
  ];

  it("streams the console, takes typed input and ends with the guest's poweroff", async () => {
    const qmpSocket = join(dir, "poweroff.sock");
    const consoleLog = join(dir, "console.log");
    const vm = await launch({
      program: QEMU,
      args: bootArgs(qmpSocket),
      qmpSocket,
      consoleLog,
      noReboot: true,
      timeoutMs: 60_000,
    });
    await vm.started;
    const ready = await vm.console.waitFor(/^ocikit-test: ready$/, { timeoutMs: 50_000 });
    expect(ready.atMs).toBeGreaterThan(0);
    const replayed: Uint8Array[] = [];
    vm.console.subscribe((chunk) => replayed.push(chunk), { replay: true });
    vm.console.write("poweroff\n");
    expect((await vm.console.waitFor(/ocikit-test: got/, { timeoutMs: 20_000 })).line).toBe(
      "ocikit-test: got [poweroff]",
    );
    const end = await vm.ended;
    expect(end).toMatchObject({ reason: "poweroff", clean: true, exitCode: 0 });
    expect(end.summary).toMatch(/^the guest powered off after \d+(\.\d)? s \(tcg\)$/);
    expect(vm.console.text()).toMatch(/reboot: Power down/);
    const logged = await readFile(consoleLog, "utf8");
    expect(logged).toContain("ocikit-test: ready\r\n");
    expect(logged).toContain("reboot: Power down");
    expect(Buffer.concat(replayed).toString()).toBe(logged);
    await expect(vm.console.waitFor(/login:/)).rejects.toThrow(
      /the guest powered off .* before a line matched/,
    );
    console.info(`poweroff boot: ${end.summary}`);
  }, 70_000);

  it("ends qemu itself when the guest halts", async () => {
    const qmpSocket = join(dir, "halt.sock");
    const vm = await launch({
      program: QEMU,
      args: bootArgs(qmpSocket),
      qmpSocket,
      noReboot: true,
      timeoutMs: 60_000,
    });
    await vm.console.waitFor(/^ocikit-test: ready$/, { timeoutMs: 50_000 });
    vm.console.write("halt\n");
    const end = await vm.ended;
    expect(end).toMatchObject({ reason: "halt", clean: true });
    expect(vm.console.text()).toMatch(/reboot: System halted/);
    // Ended by the launcher's QMP quit, well before the timeout.
    expect(end.summary).toMatch(/^the guest halted after \d+(\.\d)? s \(tcg\); ocikit then quit qemu$/);
    expect(end.elapsedMs).toBeLessThan(50_000);
    console.info(`halt boot: ${end.summary}`);
  }, 70_000);
});
