/**
 * qemu's command line for a `QemuPlan`, as a pure function. It follows LinuxKit's `run qemu`
 * (reference §6.1, `run_qemu.go: buildQemuCmdline`) in order and content: CPUs, memory, UUID and pid
 * file; the CPU model and machine; a virtio RNG; disks (IDE index 2 left to the CD-ROM); `-boot d`
 * and the CD-ROMs; UEFI firmware on pflash; kernel, initrd and command line; the NIC; the console;
 * USB and extra devices. Where we differ, and why:
 *
 * - the console is the first serial port on stdio with no monitor (`-display none -serial … -monitor
 *   none`) instead of `-nographic`, which multiplexes qemu's monitor onto the same stdio behind
 *   Ctrl-A: our CLI handles the terminal escape itself, and a guest byte stream with no monitor
 *   escapes in it is what the console reader expects; `signal=off` sends Ctrl-C to the guest, as
 *   `-nographic` does, instead of killing qemu;
 * - QMP on a unix socket (`-qmp`), for a graceful `system_powerdown`;
 * - x86_64 with KVM gets `-cpu host` (on nested hosts qemu's default CPU model hangs in the kernel's
 *   decompressor, toolchain.md);
 * - IDE index 2 is skipped whenever the CD-ROM slot is used, not only when booting an ISO: LinuxKit
 *   puts `--data`'s ISO there too and then collides with a third disk;
 * - the UEFI firmware is read-only (a combined image) or read-only code plus a per-boot copy of the
 *   variables (split), never the shared file under /usr/share written in place;
 * - on the virtio machines (aarch64, riscv64, s390x), which have no IDE, CD-ROMs are SCSI CD-ROMs on a
 *   virtio-scsi controller (LinuxKit does this for s390x only), and a squashfs root is `/dev/vda`;
 * - the kernel command line is the user's, unchanged, except squashfs's `root=` (LinuxKit adds no
 *   `console=` either: put it in the YAML's `cmdline`);
 * - no virtiofs (`--virtiofs`) yet.
 */
import { assert } from "@ocikit/errors";
import { HypervisorError } from "./errors.js";
import type { BootTarget, Disk, Firmware, Networking, Publish, QemuArch, QemuPlan } from "./types.js";

/** How each architecture's machine differs. */
interface ArchTraits {
  readonly machine: string;
  /** Bus of the virtio devices: PCI, or channel I/O on s390x. */
  readonly virtioBus: "pci" | "ccw";
  /** IDE CD-ROMs (`-cdrom`, index 2 = hdc) on the PC; SCSI CD-ROMs on virtio-scsi elsewhere. */
  readonly cdromBus: "ide" | "scsi";
  /** Where a squashfs given as the first disk appears in the guest. */
  readonly firstDisk: string;
}

const ARCH_TRAITS: Readonly<Record<QemuArch, ArchTraits>> = {
  x86_64: { machine: "q35", virtioBus: "pci", cdromBus: "ide", firstDisk: "/dev/sda" },
  aarch64: { machine: "virt", virtioBus: "pci", cdromBus: "scsi", firstDisk: "/dev/vda" },
  riscv64: { machine: "virt", virtioBus: "pci", cdromBus: "scsi", firstDisk: "/dev/vda" },
  s390x: { machine: "s390-ccw-virtio", virtioBus: "ccw", cdromBus: "scsi", firstDisk: "/dev/vda" },
};

/** The IDE index qemu's `-cdrom` takes (hdc). */
const CDROM_INDEX = 2;

/**
 * The arguments of `qemu-system-<arch>` (without the program) for one boot.
 * @throws HV_BAD_OPTION when ports are published without user networking
 * @example
 * ```ts
 * const argv = qemuArgv(plan);
 * spawn(plan.qemu, argv, { stdio: ["pipe", "pipe", "pipe"] });
 * ```
 */
export function qemuArgv(plan: QemuPlan): string[] {
  const traits = ARCH_TRAITS[plan.arch];
  const isos = [...(plan.target.kind === "iso" ? [plan.target.iso] : []), ...plan.cdroms];
  const disks = [...bootDisks(plan.target), ...plan.disks];
  return [
    ...["-smp", String(plan.cpus), "-m", String(plan.memMiB), "-uuid", plan.uuid, "-pidfile", plan.pidFile],
    ...cpuArgs(plan),
    "-machine",
    machineOption(plan),
    ...rngArgs(traits),
    ...diskArgs(disks, { reserveCdromIndex: traits.cdromBus === "ide" && isos.length > 0 }),
    ...(plan.target.kind === "iso" ? ["-boot", "d"] : []),
    ...cdromArgs(isos, traits, disks.length),
    ...firmwareArgs(plan.target, plan.firmware),
    ...kernelArgs(plan.target, traits),
    ...networkArgs(plan.networking, plan.publish, plan.mac, traits),
    ...consoleArgs(plan.gui),
    ...["-qmp", `unix:${escapeOptionValue(plan.qmpSocket)},server=on,wait=off`],
    ...(plan.usb ? ["-usb"] : []),
    ...plan.devices.flatMap((device) => ["-device", device]),
    ...plan.extraArgs,
  ];
}

/** A value inside a qemu option string (`file=…,format=…`): commas are doubled. */
function escapeOptionValue(value: string): string {
  return value.replaceAll(",", ",,");
}

function cpuArgs(plan: QemuPlan): string[] {
  const hostAccel = plan.accel === "kvm" || plan.accel === "hvf";
  switch (plan.arch) {
    case "x86_64":
      // qemu's default CPU model under KVM hangs in the kernel's decompressor on nested hosts.
      return plan.accel === "kvm" ? ["-cpu", "host"] : [];
    case "aarch64":
      // LinuxKit: "host" when accelerated (the only model KVM and HVF run), else a Cortex-A57.
      return ["-cpu", hostAccel ? "host" : "cortex-a57"];
    default:
      return [];
  }
}

function machineOption(plan: QemuPlan): string {
  const { machine } = ARCH_TRAITS[plan.arch];
  if (plan.accel === undefined) return machine;
  if (plan.arch === "aarch64" && plan.accel === "kvm") return `${machine},gic-version=host,accel=kvm`;
  // HVF's VCPUs address fewer physical bits (36) than virt's high memory map needs (40).
  if (plan.arch === "aarch64" && plan.accel === "hvf") return `${machine},highmem=off,accel=hvf`;
  return `${machine},accel=${plan.accel}`;
}

function rngArgs(traits: ArchTraits): string[] {
  return [
    "-object",
    "rng-random,id=rng0,filename=/dev/urandom",
    "-device",
    `virtio-rng-${traits.virtioBus},rng=rng0`,
  ];
}

/** The boot target's own disk, first: a disk image, or the squashfs root. */
function bootDisks(target: BootTarget): Disk[] {
  if (target.kind === "disk")
    return [{ path: target.disk, ...(target.format ? { format: target.format } : {}) }];
  if (target.kind === "squashfs") return [{ path: target.squashfs, format: "raw" }];
  return [];
}

function diskArgs(disks: readonly Disk[], options: { reserveCdromIndex: boolean }): string[] {
  return disks.flatMap((disk, i) => {
    const index = options.reserveCdromIndex && i >= CDROM_INDEX ? i + 1 : i;
    const format = disk.format ? `,format=${disk.format}` : "";
    return ["-drive", `file=${escapeOptionValue(disk.path)}${format},index=${index},media=disk`];
  });
}

function cdromArgs(isos: readonly string[], traits: ArchTraits, diskCount: number): string[] {
  if (isos.length === 0) return [];
  if (traits.cdromBus === "scsi") {
    return [
      "-device",
      `virtio-scsi-${traits.virtioBus},id=scsi0`,
      ...isos.flatMap((iso, i) => [
        "-drive",
        `file=${escapeOptionValue(iso)},format=raw,if=none,id=cd${i},media=cdrom,readonly=on`,
        "-device",
        `scsi-cd,bus=scsi0.0,drive=cd${i}`,
      ]),
    ];
  }
  // The first ISO is hdc; the others follow the last disk's index (the disks skipped hdc).
  const lastDiskIndex = Math.max(diskCount, CDROM_INDEX);
  return isos.flatMap((iso, i) =>
    i === 0
      ? ["-cdrom", iso]
      : ["-drive", `file=${escapeOptionValue(iso)},index=${lastDiskIndex + i},media=cdrom`],
  );
}

function firmwareArgs(target: BootTarget, firmware: Firmware | undefined): string[] {
  assert(!target.uefi || firmware, "a UEFI boot target reached qemuArgv without firmware");
  if (!firmware) return [];
  if (firmware.kind === "combined") {
    return ["-drive", `if=pflash,format=raw,readonly=on,file=${escapeOptionValue(firmware.path)}`];
  }
  return [
    "-drive",
    `if=pflash,format=raw,unit=0,readonly=on,file=${escapeOptionValue(firmware.code)}`,
    "-drive",
    `if=pflash,format=raw,unit=1,file=${escapeOptionValue(firmware.vars)}`,
  ];
}

function kernelArgs(target: BootTarget, traits: ArchTraits): string[] {
  if (target.kind === "kernel") {
    return [
      "-kernel",
      target.kernel,
      ...(target.initrd ? ["-initrd", target.initrd] : []),
      ...(target.cmdline ? ["-append", target.cmdline] : []),
    ];
  }
  if (target.kind === "squashfs") {
    // LinuxKit appends root= to the user's command line; the squashfs is the first disk.
    return ["-kernel", target.kernel, "-append", `${target.cmdline} root=${traits.firstDisk}`.trim()];
  }
  return [];
}

function networkArgs(
  networking: Networking,
  publish: readonly Publish[],
  mac: string,
  traits: ArchTraits,
): string[] {
  if (publish.length > 0 && networking.mode !== "user") {
    throw new HypervisorError(
      "HV_BAD_OPTION",
      `--publish: ports are published by qemu's user networking, not by --networking ${networking.mode}; drop --publish or use --networking user`,
    );
  }
  if (networking.mode === "none") return ["-net", "none"];
  return [
    "-device",
    `virtio-net-${traits.virtioBus},netdev=t0,mac=${mac}`,
    "-netdev",
    netdevOption(networking, publish),
  ];
}

function netdevOption(
  networking: Exclude<Networking, { mode: "none" }>,
  publish: readonly Publish[],
): string {
  switch (networking.mode) {
    case "user":
      return `user,id=t0${publish
        .map((p) => `,hostfwd=${p.protocol}:${p.hostAddress}:${p.hostPort}-:${p.guestPort}`)
        .join("")}`;
    case "tap":
      return `tap,id=t0,ifname=${networking.iface},script=no,downscript=no`;
    case "bridge":
      return `bridge,id=t0,br=${networking.bridge}`;
  }
}

function consoleArgs(gui: boolean): string[] {
  // With a window, qemu shows the display and keeps the serial port and monitor in its tabs (LinuxKit).
  if (gui) return [];
  return [
    "-display",
    "none",
    "-chardev",
    "stdio,id=console,signal=off",
    "-serial",
    "chardev:console",
    "-monitor",
    "none",
  ];
}
