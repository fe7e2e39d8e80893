// Oracle: the real qemu-system-x86_64 accepts what qemuArgv builds. Each plan is started paused
// (`-S`); once qemu answers on its QMP socket it has parsed every option and created every device,
// so we ask it to quit and check that it exited 0 with nothing on stderr. Needs qemu-system-x86,
// qemu-utils (the disks), ovmf (the UEFI plan) and a kernel in /boot (linux-image-amd64).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { qemuArgv } from "./qemu-argv.js";
import type { BootTarget, QemuPlan } from "./types.js";

const dir = mkdtempSync(join(tmpdir(), "ocikit-qemu-argv-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const kernelName = readdirSync("/boot").find((name) => name.startsWith("vmlinuz-"));
if (!kernelName) throw new Error("no /boot/vmlinuz-*; apt-get install linux-image-amd64");
const kernel = join("/boot", kernelName);

function file(name: string, bytes = 2048): string {
  const path = join(dir, name);
  writeFileSync(path, new Uint8Array(bytes));
  return path;
}

function qcow2(name: string): string {
  const path = join(dir, name);
  execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", path, "16M"]);
  return path;
}

function plan(name: string, overrides: Partial<QemuPlan>): QemuPlan {
  return {
    arch: "x86_64",
    qemu: "qemu-system-x86_64",
    accel: "tcg",
    cpus: 1,
    memMiB: 256,
    uuid: "2a0cbd9e-5a3b-4c8e-9f55-0d0f5cf3c0a1",
    target: { kind: "kernel", prefix: join(dir, "k"), kernel, cmdline: "console=ttyS0", uefi: false },
    disks: [],
    cdroms: [],
    networking: { mode: "user" },
    publish: [],
    mac: "02:00:00:12:34:56",
    pidFile: join(dir, `${name}.pid`),
    qmpSocket: join(dir, `${name}.sock`),
    gui: false,
    usb: false,
    devices: [],
    extraArgs: ["-S"],
    ...overrides,
  };
}

/** Waits for QMP's greeting, negotiates capabilities (answered once the machine is built), sends quit. */
async function qmpQuit(socket: string, child: ChildProcess): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`qemu exited (${child.exitCode}) before QMP answered`);
    try {
      await new Promise<void>((resolve, reject) => {
        const conn = connect(socket);
        let buffered = "";
        let step = 0;
        conn.on("error", reject);
        conn.on("data", (chunk) => {
          buffered += chunk.toString("utf8");
          const lines = buffered.split("\n");
          buffered = lines.pop() ?? "";
          for (const line of lines) {
            if (line.trim() === "") continue;
            step++;
            // The greeting, then the reply to qmp_capabilities (sent only after the machine is built).
            if (step === 1) conn.write('{"execute":"qmp_capabilities"}\n');
            if (step === 2) {
              conn.write('{"execute":"quit"}\n');
              resolve();
            }
          }
        });
      });
      return;
    } catch (error) {
      if (attempt > 200) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** Starts qemu with the plan's argv, quits it over QMP, and returns its exit code and stderr. */
async function acceptedBy(p: QemuPlan): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(p.qemu, qemuArgv(p), { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  let stdout = "";
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const killer = setTimeout(() => child.kill("SIGKILL"), 4000);
  try {
    // When qemu refuses its arguments it exits before QMP answers: the exit code and stderr say so.
    await Promise.race([qmpQuit(p.qmpSocket, child).catch(() => undefined), exited]);
    return { code: await exited, stderr, stdout };
  } finally {
    clearTimeout(killer);
    child.kill("SIGKILL");
  }
}

describe("qemu-system-x86_64 accepts qemuArgv's command lines", () => {
  it("kernel + initrd with published ports, USB and a device", async () => {
    const target: BootTarget = {
      kind: "kernel",
      prefix: join(dir, "k"),
      kernel,
      initrd: file("k-initrd.img"),
      cmdline: "console=ttyS0",
      uefi: false,
    };
    const result = await acceptedBy(
      plan("kernel", {
        target,
        disks: [{ path: qcow2("disk.img"), format: "qcow2" }],
        cdroms: [file("data.iso")],
        publish: [{ hostAddress: "127.0.0.1", hostPort: 0, guestPort: 22, protocol: "tcp" }],
        usb: true,
        devices: ["usb-kbd"],
      }),
    );
    expect(result).toEqual({ code: 0, stderr: "", stdout: "" });
  }, 5000);

  it("an ISO with UEFI (split OVMF), three disks and a second CD-ROM", async () => {
    const vars = join(dir, "efi-vars.fd");
    copyFileSync("/usr/share/OVMF/OVMF_VARS_4M.fd", vars);
    const result = await acceptedBy(
      plan("iso", {
        target: { kind: "iso", prefix: join(dir, "x"), iso: file("x.iso"), uefi: true },
        firmware: { kind: "split", code: "/usr/share/OVMF/OVMF_CODE_4M.fd", vars },
        disks: [
          { path: qcow2("d0.img"), format: "qcow2" },
          { path: qcow2("d1.img"), format: "qcow2" },
          { path: file("d2.img", 1 << 20), format: "raw" },
        ],
        cdroms: [file("data2.iso")],
      }),
    );
    expect(result).toEqual({ code: 0, stderr: "", stdout: "" });
  }, 5000);

  it("a squashfs root and a combined firmware image, no network", async () => {
    const result = await acceptedBy(
      plan("squashfs", {
        target: {
          kind: "squashfs",
          prefix: join(dir, "s"),
          kernel,
          squashfs: file("s-squashfs.img", 1 << 20),
          cmdline: "console=ttyS0",
          uefi: true,
        },
        firmware: { kind: "combined", path: "/usr/share/ovmf/OVMF.fd" },
        networking: { mode: "none" },
      }),
    );
    expect(result).toEqual({ code: 0, stderr: "", stdout: "" });
  }, 5000);

  it("reports an option qemu does not know on stderr (the check can fail)", async () => {
    const result = await acceptedBy(plan("bad", { extraArgs: ["-S", "-no-such-option"] }));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("-no-such-option");
  }, 5000);

  it("reports a disk it cannot open (devices are built before QMP answers)", async () => {
    const missing = join(dir, "no-such-disk.img");
    const result = await acceptedBy(plan("missing", { disks: [{ path: missing, format: "qcow2" }] }));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(missing);
  }, 5000);
});
