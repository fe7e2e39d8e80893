/**
 * One short boot that tells whether KVM can run a guest here. /dev/kvm opening is not enough: on
 * nested hosts KVM exists but `-cpu host` aborts on an MSR error and other CPU models hang in the
 * kernel's decompressor (docs/toolchain.md). So the probe boots, under KVM with `-cpu host` (the
 * CPU model qemu-argv.ts uses with KVM), either the kernel about to be booted, with no initrd,
 * `console=… panic=-1` and `-no-reboot`, until its banner (`Linux version …`, or any later kernel
 * message) shows on the serial console; or, when there is no kernel, {@link PROBE_BOOT_SECTOR}, a
 * 512-byte disk whose real-mode code prints `ocikit-kvm-ok` on COM1 and halts (a weaker test: it
 * shows that KVM runs code, not that it boots Linux). Caching the answer is accel.ts's.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HypervisorError } from "./errors.js";
import { formatSeconds } from "./format-seconds.js";
import type { QemuArch } from "./types.js";
import { launchQemu } from "./vm.js";
import { stderrLine } from "./vm-end.js";

/** What the probe boots: the kernel, or the built-in boot sector when there is no kernel. */
export type KvmProbeKind = "kernel" | "boot-sector";

/** Options of {@link probeKvmBoot}. */
export interface KvmProbeOptions {
  /** `qemu-system-<arch>` or its path. */
  readonly qemu: string;
  readonly arch: QemuArch;
  /** The kernel to boot; absent: the boot sector (x86_64 only). */
  readonly kernel?: string;
  /** How long to wait for the banner; default KVM_PROBE_DEFAULTS.timeoutMs. */
  readonly timeoutMs?: number;
  /** "kvm" (the default) for the real probe; "tcg" runs the same boot emulated (to test the probe itself). */
  readonly accel?: "kvm" | "tcg";
  readonly signal?: AbortSignal;
}

/** Defaults of {@link KvmProbeOptions}. */
export const KVM_PROBE_DEFAULTS = { timeoutMs: 4000 } as const;

/** What a probe boot showed. */
export interface KvmProbeResult {
  readonly passed: boolean;
  readonly kind: KvmProbeKind;
  /** Why it failed ("KVM probe did not reach the kernel banner within 4 s"), or what passed. */
  readonly detail: string;
  readonly elapsedMs: number;
}

/**
 * The boot sector, hand-assembled (16-bit real mode, loaded by the BIOS at 0000:7C00):
 *
 * ```
 * 7C00  FA          cli
 * 7C01  31 C0       xor  ax, ax
 * 7C03  8E D8       mov  ds, ax           ; the message is addressed from segment 0
 * 7C05  FC          cld                   ; lodsb counts up
 * 7C06  BE 17 7C    mov  si, 0x7C17       ; the message
 * 7C09  BA F8 03    mov  dx, 0x3F8        ; COM1's data port
 * 7C0C  AC          next: lodsb           ; al = [si++]
 * 7C0D  84 C0       test al, al
 * 7C0F  74 03       jz   done             ; the terminating 0
 * 7C11  EE          out  dx, al           ; qemu's 16550 needs no set-up to transmit
 * 7C12  EB F8       jmp  next
 * 7C14  F4          done: hlt
 * 7C15  EB FD       jmp  done             ; stay halted (an NMI would resume after hlt)
 * 7C17  "ocikit-kvm-ok" 0D 0A 00
 * 7DFE  55 AA                             ; the boot signature
 * ```
 */
export const PROBE_BOOT_SECTOR: Uint8Array = (() => {
  const code = [
    0xfa, 0x31, 0xc0, 0x8e, 0xd8, 0xfc, 0xbe, 0x17, 0x7c, 0xba, 0xf8, 0x03, 0xac, 0x84, 0xc0, 0x74, 0x03,
    0xee, 0xeb, 0xf8, 0xf4, 0xeb, 0xfd,
  ];
  const message = [...new TextEncoder().encode("ocikit-kvm-ok\r\n"), 0];
  const sector = new Uint8Array(512);
  sector.set([...code, ...message]);
  sector.set([0x55, 0xaa], 510);
  return sector;
})();

/** The boot sector's marker on the console. */
const BOOT_SECTOR_MARKER = /ocikit-kvm-ok/;
/** The kernel's banner, or any message it prints later (in case the banner itself was missed). */
const KERNEL_MARKER =
  /Linux version \d|Command line:|Kernel command line:|Kernel panic - not syncing|Run \S+ as init/;

/** Per architecture: the machine, the kernel's serial console, the CPU model when emulated. */
const MACHINES: Readonly<Record<QemuArch, { machine: string; console: string; tcgCpu?: string }>> = {
  x86_64: { machine: "q35", console: "ttyS0" },
  aarch64: { machine: "virt", console: "ttyAMA0", tcgCpu: "cortex-a57" },
  s390x: { machine: "s390-ccw-virtio", console: "ttysclp0" },
  riscv64: { machine: "virt", console: "ttyS0" },
};

/**
 * Boots the probe once and reports whether it reached its marker in time. Never throws for what
 * qemu or the guest does (that is the answer); qemu is killed before this returns.
 * @throws {HypervisorError} HV_TOOL_MISSING when qemu is not installed; HV_UNSUPPORTED for the boot sector on an architecture other than x86_64
 */
export async function probeKvmBoot(options: KvmProbeOptions): Promise<KvmProbeResult> {
  const timeoutMs = options.timeoutMs ?? KVM_PROBE_DEFAULTS.timeoutMs;
  const accel = options.accel ?? "kvm";
  const { machine, console: serialConsole, tcgCpu } = MACHINES[options.arch];
  const kind: KvmProbeKind = options.kernel === undefined ? "boot-sector" : "kernel";
  const cpu = accel === "kvm" ? ["-cpu", "host"] : tcgCpu ? ["-cpu", tcgCpu] : [];
  const common = ["-accel", accel, ...cpu, "-m", "256", "-nodefaults", "-display", "none"];
  const serial = ["-serial", "stdio", "-monitor", "none", "-no-reboot"];
  let workDir: string | undefined;
  try {
    let args: string[];
    if (options.kernel !== undefined) {
      args = [
        ...common,
        "-machine",
        machine,
        ...serial,
        "-kernel",
        options.kernel,
        "-append",
        `console=${serialConsole} panic=-1`,
      ];
    } else {
      if (options.arch !== "x86_64")
        throw new HypervisorError(
          "HV_UNSUPPORTED",
          `KVM probe: the built-in boot sector runs on x86_64 only, not ${options.arch}; give a kernel to probe with`,
        );
      workDir = await mkdtemp(join(tmpdir(), "ocikit-kvm-probe-"));
      const disk = join(workDir, "boot-sector.img");
      await writeFile(disk, PROBE_BOOT_SECTOR);
      // The i440fx machine: SeaBIOS on q35 (AHCI) refuses a disk of one sector.
      args = [...common, "-machine", "pc", ...serial, "-drive", `file=${disk},format=raw,index=0,media=disk`];
    }
    const vm = await launchQemu({
      program: options.qemu,
      args,
      accel,
      // A safety net; the probe kills the VM itself when its wait ends.
      timeoutMs: timeoutMs + 5000,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const marker = kind === "kernel" ? KERNEL_MARKER : BOOT_SECTOR_MARKER;
    try {
      const seen = await vm.console.waitFor(marker, { timeoutMs });
      return {
        passed: true,
        kind,
        detail: `reached "${seen.line.trim().slice(0, 120)}"`,
        elapsedMs: seen.atMs,
      };
    } catch (error) {
      options.signal?.throwIfAborted();
      if (!(error instanceof HypervisorError && error.code === "HV_TIMEOUT")) throw error;
      // HV_TIMEOUT both when the time ran out and when qemu ended first; only the latter has an end.
      const end = vm.console.isEnded ? await vm.ended : undefined;
      const what = kind === "kernel" ? "the kernel banner" : "the boot sector's message";
      const detail =
        end === undefined
          ? `KVM probe did not reach ${what} within ${formatSeconds(timeoutMs)}`
          : end.reason === "qemu-error"
            ? `KVM probe failed: ${stderrLine(end.qemuStderr, 300) || end.summary}`
            : `KVM probe ended before ${what}: ${end.summary}`;
      return { passed: false, kind, detail, elapsedMs: end?.elapsedMs ?? timeoutMs };
    } finally {
      await vm.kill();
    }
  } finally {
    if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  }
}
