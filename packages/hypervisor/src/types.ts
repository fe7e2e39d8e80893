/**
 * The shapes shared by the qemu argv builder, the VM launcher and their callers. Plain data: a
 * `QemuPlan` can be printed, compared in tests and turned into argv without side effects.
 */

/** qemu's architecture names (`qemu-system-<arch>`). */
export type QemuArch = "x86_64" | "aarch64" | "s390x" | "riscv64";

/** How the CPU is run. "tcg" is emulation; the others need the host's support. */
export type Accelerator = "kvm" | "tcg" | "hvf";

/**
 * What to boot, found from the path given to `ocikit run` (see `findBootTarget`) or said with flags.
 * - kernel: `PREFIX-kernel`, `PREFIX-initrd.img` (optional), `PREFIX-cmdline` (optional, its text)
 * - squashfs: `PREFIX-kernel` + `PREFIX-squashfs.img` as the first disk, `root=/dev/sda` appended
 * - iso: a `.iso` file on the CD-ROM, booted with `-boot d` (BIOS, or UEFI with `uefi`)
 * - disk: any other file, as the first disk (BIOS, or UEFI with `uefi`)
 */
export type BootTarget =
  | {
      readonly kind: "kernel";
      /** The prefix the files were found by, e.g. `out/minimal`; the default state dir is `PREFIX-state`. */
      readonly prefix: string;
      readonly kernel: string;
      readonly initrd?: string;
      /** The kernel command line (from `PREFIX-cmdline`, or empty). */
      readonly cmdline: string;
      readonly uefi: boolean;
    }
  | {
      readonly kind: "squashfs";
      readonly prefix: string;
      readonly kernel: string;
      readonly squashfs: string;
      readonly cmdline: string;
      readonly uefi: boolean;
    }
  | { readonly kind: "iso"; readonly prefix: string; readonly iso: string; readonly uefi: boolean }
  | {
      readonly kind: "disk";
      readonly prefix: string;
      readonly disk: string;
      /** qemu's name for the image format ("raw", "qcow2"), when known; absent: qemu probes it. */
      readonly format?: string;
      readonly uefi: boolean;
    };

/** One `--disk [file=]PATH[,size=N][,format=F]`, as parsed (`size` in MiB; the flag's unit default is GiB). */
export interface DiskSpec {
  /** Absent: `<state>/disk.img`, `disk1.img`, … */
  readonly path?: string;
  readonly sizeMiB?: number;
  /** Absent: qcow2 when the disk is created; otherwise qemu probes an existing file's format. */
  readonly format?: string;
}

/** A disk resolved to a file (created with `qemu-img` when it had a size and did not exist). */
export interface Disk {
  readonly path: string;
  readonly format?: string;
}

/** `--networking user|tap,IF|bridge,BR|none`. */
export type Networking =
  | { readonly mode: "user" }
  | { readonly mode: "tap"; readonly iface: string }
  | { readonly mode: "bridge"; readonly bridge: string }
  | { readonly mode: "none" };

/** One `--publish [ADDR:]HOST:GUEST[/tcp|udp]` (user networking only). */
export interface Publish {
  /** Default 127.0.0.1: a published port is not opened to the network unless asked. */
  readonly hostAddress: string;
  readonly hostPort: number;
  readonly guestPort: number;
  readonly protocol: "tcp" | "udp";
}

/** UEFI firmware: one combined image (`OVMF.fd`, `--fw`) or code + a per-boot copy of the variables. */
export type Firmware =
  | { readonly kind: "combined"; readonly path: string }
  | { readonly kind: "split"; readonly code: string; readonly vars: string };

/**
 * Everything qemu's command line is made from (see `qemuArgv`). Paths are absolute; the state
 * directory's files (pid, QMP socket, data ISO, firmware variables) are already placed.
 */
export interface QemuPlan {
  readonly arch: QemuArch;
  /** The program, e.g. `qemu-system-x86_64` (a name looked up on PATH, or a path). */
  readonly qemu: string;
  /** Absent: no accelerator named (qemu's default, TCG). */
  readonly accel?: Accelerator;
  readonly cpus: number;
  readonly memMiB: number;
  /** `-uuid`; random per run unless given. */
  readonly uuid: string;
  readonly target: BootTarget;
  readonly disks: readonly Disk[];
  /** Further ISOs on CD-ROM drives (`--data` makes `<state>/data.iso`). */
  readonly cdroms: readonly string[];
  readonly firmware?: Firmware;
  readonly networking: Networking;
  readonly publish: readonly Publish[];
  /** The NIC's MAC address (kept in `<state>/mac-addr` across runs). */
  readonly mac: string;
  readonly pidFile: string;
  /** A unix socket qemu serves QMP on (graceful stop: `system_powerdown`). */
  readonly qmpSocket: string;
  /** A window instead of the serial console on stdio. */
  readonly gui: boolean;
  readonly usb: boolean;
  /** `--device` values, passed as `-device X` each. */
  readonly devices: readonly string[];
  /** Appended as they are, last. */
  readonly extraArgs: readonly string[];
}

/** Why a VM ended. */
export type VmEndReason =
  /** The guest powered off ("reboot: Power down", or qemu exited 0 after an ACPI poweroff). */
  | "poweroff"
  /** The guest halted ("reboot: System halted"); the launcher then quit qemu. */
  | "halt"
  /** The guest rebooted and the VM was started with `noReboot`. */
  | "reboot"
  /** The kernel panicked (and, with `panic=-1` and `noReboot`, qemu exited). */
  | "panic"
  /** `stop()` was called: a graceful `system_powerdown` that the guest honoured. */
  | "stopped"
  /** Killed: `stop()`'s grace time ran out, `kill()`, an abort signal, or a timeout. */
  | "killed"
  /** qemu itself failed (bad arguments, a device it could not open, it crashed). */
  | "qemu-error";

/** How a VM ended. */
export interface VmEnd {
  readonly reason: VmEndReason;
  /** Whether this is a normal end of the guest: poweroff, halt, or a graceful stop. */
  readonly clean: boolean;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** What qemu printed on stderr (its own complaints, not the guest's console). */
  readonly qemuStderr: string;
  readonly elapsedMs: number;
  /** One line for a person: "the guest powered off after 9.8 s". */
  readonly summary: string;
}
