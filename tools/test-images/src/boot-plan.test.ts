import { qemuArgv } from "@ocikit/hypervisor";
import { describe, expect, it } from "vitest";
import { type BootPlanContext, kernelCommandLine, planBoot } from "./boot-plan.js";

describe("kernelCommandLine", () => {
  it.each([
    [undefined, "console=ttyS0 panic=-1"],
    ["", "console=ttyS0 panic=-1"],
    ["quiet", "console=ttyS0 quiet panic=-1"],
    ["console=tty0 console=ttyS0 page_poison=1", "console=tty0 console=ttyS0 page_poison=1 panic=-1"],
    ["panic=10  root=/dev/sda", "console=ttyS0 panic=10 root=/dev/sda"],
  ])("%j becomes %j", (cmdline, want) => expect(kernelCommandLine(cmdline)).toBe(want));
});

describe("planBoot", () => {
  const context: BootPlanContext = {
    qemu: "qemu-system-x86_64",
    accel: "tcg",
    memMiB: 512,
    cpus: 1,
    uuid: "00000000-0000-4000-8000-000000000000",
    pidFile: "/s/qemu.pid",
    qmpSocket: "/s/qmp.sock",
  };

  it.each([
    [
      "the kernel, initrd and the harness's command line",
      { initrd: "/i", cmdline: "quiet" },
      ["-kernel", "/k", "-initrd", "/i", "-append", "console=ttyS0 quiet panic=-1"],
    ],
    [
      "host port forwards on 127.0.0.1",
      {
        forwardPorts: [
          { hostPort: 2222, guestPort: 22 },
          { hostPort: 5353, guestPort: 53, protocol: "udp" as const },
        ],
      },
      ["-netdev", "user,id=t0,hostfwd=tcp:127.0.0.1:2222-:22,hostfwd=udp:127.0.0.1:5353-:53"],
    ],
    ["-no-reboot, then qemuArgs, last", { qemuArgs: ["-S"] }, ["-no-reboot", "-S"]],
    [
      "the memory, CPUs and pid file",
      {},
      ["-smp", "1", "-m", "512", "-uuid", context.uuid, "-pidfile", "/s/qemu.pid"],
    ],
  ])("gives qemu %s", (_, extra, included) => {
    const argv = qemuArgv(planBoot({ kernel: "/k", timeoutMs: 1, ...extra }, context)).join("\n");
    expect(argv).toContain(included.join("\n"));
  });

  it("ends with -no-reboot and has no -initrd without an initrd", () => {
    const argv = qemuArgv(planBoot({ kernel: "/k", timeoutMs: 1 }, context));
    expect(argv.at(-1)).toBe("-no-reboot");
    expect(argv).not.toContain("-initrd");
  });
});
