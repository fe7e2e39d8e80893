/**
 * qemu's command line for the boot harness (qemu-boot.ts), as a pure function: accelerator, a
 * serial console on stdio and no display (`-nographic`), exit instead of reboot (`-no-reboot`),
 * memory and CPUs, kernel, initrd and command line, and user-mode networking on a virtio NIC with
 * host port forwards bound to 127.0.0.1. The kernel command line gets `console=ttyS0` when it
 * names no console (the harness reads the serial port) and `panic=-1` when it sets no panic, so
 * that a panic reboots, which under `-no-reboot` ends the VM instead of hanging until the timeout.
 */

/** A host port forwarded to the guest (qemu `hostfwd`, bound to 127.0.0.1). */
export interface PortForward {
  readonly hostPort: number;
  readonly guestPort: number;
  /** Default "tcp". */
  readonly protocol?: "tcp" | "udp";
}

/** How the CPU is emulated. */
export type Accelerator = "kvm" | "tcg";

/** What {@link qemuArgv} needs. */
export interface QemuArgvOptions {
  readonly kernel: string;
  readonly initrd?: string;
  readonly cmdline?: string;
  readonly memMiB: number;
  readonly cpus: number;
  readonly accel: Accelerator;
  readonly forwardPorts?: readonly PortForward[];
  /** Appended as they are. */
  readonly qemuArgs?: readonly string[];
}

/** `cmdline` with `console=ttyS0` and `panic=-1` added where it sets neither. */
export function kernelCommandLine(cmdline: string | undefined): string {
  const words = (cmdline ?? "").split(/\s+/).filter(Boolean);
  if (!words.some((word) => word.startsWith("console="))) words.unshift("console=ttyS0");
  if (!words.some((word) => word.startsWith("panic="))) words.push("panic=-1");
  return words.join(" ");
}

/** The arguments of `qemu-system-x86_64` (without the program) for one boot. */
export function qemuArgv(options: QemuArgvOptions): string[] {
  const forwards = (options.forwardPorts ?? []).map(
    (port) => `,hostfwd=${port.protocol ?? "tcp"}:127.0.0.1:${port.hostPort}-:${port.guestPort}`,
  );
  return [
    // -cpu host: KVM with qemu's default CPU model hangs in the kernel's decompressor on nested hosts.
    ...(options.accel === "kvm" ? ["-accel", "kvm", "-cpu", "host"] : ["-accel", "tcg"]),
    "-nographic",
    "-no-reboot",
    "-m",
    String(options.memMiB),
    "-smp",
    String(options.cpus),
    "-kernel",
    options.kernel,
    ...(options.initrd ? ["-initrd", options.initrd] : []),
    "-append",
    kernelCommandLine(options.cmdline),
    "-netdev",
    `user,id=net0${forwards.join("")}`,
    "-device",
    "virtio-net-pci,netdev=net0",
    ...(options.qemuArgs ?? []),
  ];
}
