/**
 * The boot harness's qemu plan, as a pure function: @ocikit/hypervisor's `QemuPlan` for a kernel
 * (and initrd) on x86_64 with user-mode networking (host port forwards bound to 127.0.0.1), made
 * into argv by its `qemuArgv`. What the harness adds to the plan is its own choice, not
 * hypervisor's (which passes the user's command line unchanged, as LinuxKit does): the kernel
 * command line gets `console=ttyS0` when it names no console (the harness reads the serial port)
 * and `panic=-1` when it sets no panic, so that a panic reboots, which `-no-reboot` turns into
 * qemu's exit instead of a hang until the timeout.
 */
import { DEFAULT_PUBLISH_ADDRESS, type QemuPlan } from "@ocikit/hypervisor";
import type { BootOptions } from "./qemu-boot.js";

/** A host port forwarded to the guest (qemu `hostfwd`, bound to 127.0.0.1). */
export interface PortForward {
  readonly hostPort: number;
  readonly guestPort: number;
  /** Default "tcp". */
  readonly protocol?: "tcp" | "udp";
}

/** What {@link planBoot} needs besides the boot options. */
export interface BootPlanContext {
  readonly qemu: string;
  readonly accel: NonNullable<QemuPlan["accel"]>;
  readonly memMiB: number;
  readonly cpus: number;
  readonly uuid: string;
  /** qemu's `-pidfile` and QMP socket, in the boot's temporary state directory. */
  readonly pidFile: string;
  readonly qmpSocket: string;
}

/**
 * qemu's own default MAC address (what the harness's VMs had before they were planned with an
 * explicit one); the harness runs one VM per user network, so nothing can collide with it.
 */
const BOOT_MAC = "52:54:00:12:34:56";

/** `cmdline` with `console=ttyS0` and `panic=-1` added where it sets neither. */
export function kernelCommandLine(cmdline: string | undefined): string {
  const words = (cmdline ?? "").split(/\s+/).filter(Boolean);
  if (!words.some((word) => word.startsWith("console="))) words.unshift("console=ttyS0");
  if (!words.some((word) => word.startsWith("panic="))) words.push("panic=-1");
  return words.join(" ");
}

/** The plan of one harness boot; `-no-reboot` comes first in `extraArgs`, then `options.qemuArgs`. */
export function planBoot(options: BootOptions, context: BootPlanContext): QemuPlan {
  return {
    arch: "x86_64",
    qemu: context.qemu,
    accel: context.accel,
    cpus: context.cpus,
    memMiB: context.memMiB,
    uuid: context.uuid,
    target: {
      kind: "kernel",
      // The harness is given the files, not a prefix; the prefix only names a default state directory.
      prefix: options.kernel,
      kernel: options.kernel,
      ...(options.initrd ? { initrd: options.initrd } : {}),
      cmdline: kernelCommandLine(options.cmdline),
      uefi: false,
    },
    disks: [],
    cdroms: [],
    networking: { mode: "user" },
    publish: (options.forwardPorts ?? []).map((port) => ({
      hostAddress: DEFAULT_PUBLISH_ADDRESS,
      hostPort: port.hostPort,
      guestPort: port.guestPort,
      protocol: port.protocol ?? "tcp",
    })),
    mac: BOOT_MAC,
    pidFile: context.pidFile,
    qmpSocket: context.qmpSocket,
    gui: false,
    usb: false,
    devices: [],
    extraArgs: ["-no-reboot", ...(options.qemuArgs ?? [])],
  };
}
