import { describe, expect, it } from "vitest";
import { kernelCommandLine, qemuArgv } from "./qemu-argv.js";

describe("kernelCommandLine", () => {
  it.each([
    [undefined, "console=ttyS0 panic=-1"],
    ["", "console=ttyS0 panic=-1"],
    ["quiet", "console=ttyS0 quiet panic=-1"],
    ["console=tty0 console=ttyS0 page_poison=1", "console=tty0 console=ttyS0 page_poison=1 panic=-1"],
    ["panic=10  root=/dev/sda", "console=ttyS0 panic=10 root=/dev/sda"],
  ])("%j becomes %j", (cmdline, want) => expect(kernelCommandLine(cmdline)).toBe(want));
});

describe("qemuArgv", () => {
  const base = { kernel: "/k", memMiB: 512, cpus: 1, accel: "tcg" } as const;

  it("boots a kernel and initrd under TCG with a serial console and a virtio NIC", () => {
    expect(qemuArgv({ ...base, initrd: "/i", cmdline: "quiet" })).toEqual([
      "-accel",
      "tcg",
      "-nographic",
      "-no-reboot",
      "-m",
      "512",
      "-smp",
      "1",
      "-kernel",
      "/k",
      "-initrd",
      "/i",
      "-append",
      "console=ttyS0 quiet panic=-1",
      "-netdev",
      "user,id=net0",
      "-device",
      "virtio-net-pci,netdev=net0",
    ]);
  });

  it.each([
    [{ accel: "kvm" as const }, ["-accel", "kvm", "-cpu", "host"]],
    [
      {
        forwardPorts: [
          { hostPort: 2222, guestPort: 22 },
          { hostPort: 5353, guestPort: 53, protocol: "udp" as const },
        ],
      },
      ["user,id=net0,hostfwd=tcp:127.0.0.1:2222-:22,hostfwd=udp:127.0.0.1:5353-:53"],
    ],
    [{ qemuArgs: ["-cdrom", "/x.iso"] }, ["-cdrom", "/x.iso"]],
  ])("%j", (extra, included) => {
    const argv = qemuArgv({ ...base, ...extra }).join("\n");
    expect(argv).toContain(included.join("\n"));
    expect(argv).not.toContain("-initrd");
  });
});
