/**
 * `ocikit run qemu` as one call: find what to boot, prepare the state directory (MAC address kept
 * across runs, disks, the `--data` ISO, a fresh copy of the UEFI variables), check that published
 * ports are free, choose the accelerator (probing KVM), make qemu's command line and start it. The
 * parts are exported too, for callers that want another composition.
 */

import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { type AcceleratorChoice, type AccelProbeEvent, chooseAccelerator } from "./accel.js";
import { findBootTarget } from "./boot-target.js";
import { resolveDisks } from "./disk.js";
import { HypervisorError } from "./errors.js";
import { requireProgram } from "./find-program.js";
import { findUefiFirmware } from "./firmware.js";
import { hostQemuArch } from "./host-arch.js";
import { loadOrCreateMac } from "./mac-address.js";
import { writeMetadataIso } from "./metadata-iso.js";
import { checkPortsFree } from "./ports-free.js";
import { qemuArgv } from "./qemu-argv.js";
import { prepareStateDir, type StatePaths } from "./state-dir.js";
import type { Accelerator, BootTarget, DiskSpec, Networking, Publish, QemuArch, QemuPlan } from "./types.js";
import { type RunningVm, startQemu } from "./vm.js";

/** Options of {@link runQemu}; every field but `path` has LinuxKit's default. */
export interface RunQemuOptions {
  /** A kernel prefix (`out/minimal` for `out/minimal-kernel`), an `.iso` or a disk image. */
  readonly path: string;
  /** Force a boot mode (`--kernel`, `--squashfs`, `--iso`) and/or UEFI (`--uefi`). */
  readonly mode?: {
    readonly kernel?: boolean;
    readonly squashfs?: boolean;
    readonly iso?: boolean;
    readonly uefi?: boolean;
  };
  /** The guest's architecture; default this machine's. */
  readonly arch?: QemuArch;
  /** The qemu program; default `qemu-system-<arch>` on PATH. */
  readonly qemu?: string;
  /** Default 1. */
  readonly cpus?: number;
  /** Default 1024. */
  readonly memMiB?: number;
  readonly disks?: readonly DiskSpec[];
  /** Default `PREFIX-state`. */
  readonly stateDir?: string;
  /** `--data` / `--data-file`: written to `<state>/data.iso` as the file `config`. */
  readonly data?: Uint8Array;
  /** `--fw`: UEFI firmware instead of Debian's OVMF. */
  readonly fw?: string;
  /** Default "auto": KVM when the probe says it works, else TCG. */
  readonly accel?: Accelerator | "auto";
  /** Where the KVM probe's answer is cached; default `$XDG_CACHE_HOME/ocikit` or `~/.cache/ocikit`. */
  readonly cacheDir?: string;
  /** Default user networking. */
  readonly networking?: Networking;
  readonly publish?: readonly Publish[];
  readonly gui?: boolean;
  readonly usb?: boolean;
  readonly devices?: readonly string[];
  /** More qemu arguments, appended. */
  readonly extraArgs?: readonly string[];
  /** Make a guest reboot (or a panic with `panic=-1`) end qemu (`-no-reboot`); default false, as LinuxKit. */
  readonly noReboot?: boolean;
  /** Kill the VM this long after it started. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** The accelerator probe's progress, for a CLI to show. */
  readonly onProbe?: (event: AccelProbeEvent) => void;
}

/** Defaults of {@link RunQemuOptions} (LinuxKit's `run`). */
export const RUN_QEMU_DEFAULTS = { cpus: 1, memMiB: 1024 } as const;

/** A VM started by {@link runQemu}, with what it was made from. */
export interface QemuRun {
  readonly vm: RunningVm;
  readonly plan: QemuPlan;
  readonly target: BootTarget;
  readonly accel: AcceleratorChoice;
  readonly state: StatePaths;
}

/**
 * Starts a VM on `options.path` and returns once qemu is up (the guest is booting).
 * @throws {HypervisorError} HV_ARTIFACT_MISSING (which files were looked for), HV_TOOL_MISSING (the
 *   Debian package to install), HV_PORT_IN_USE, HV_BAD_OPTION, HV_STATE, HV_UNSUPPORTED,
 *   HV_QEMU_FAILED (qemu's own complaint)
 * @example
 * ```ts
 * const { vm, accel } = await runQemu({ path: "out/minimal", publish: [parsePublish("2222:22")] });
 * console.error(accel.why);
 * vm.console.subscribe((chunk) => process.stdout.write(chunk), { replay: true });
 * const end = await vm.ended;
 * ```
 */
export async function runQemu(options: RunQemuOptions): Promise<QemuRun> {
  const target = await findBootTarget(options.path, options.mode ?? {});
  const arch = options.arch ?? hostQemuArch();
  const qemu = await requireProgram(options.qemu ?? `qemu-system-${arch}`);
  const networking = options.networking ?? { mode: "user" };
  const publish = options.publish ?? [];
  if (publish.length > 0 && networking.mode !== "user") {
    throw new HypervisorError(
      "HV_BAD_OPTION",
      `--publish works with user networking only, not --networking ${networking.mode}; drop --publish or use --networking user`,
    );
  }
  await checkPortsFree(publish);
  const state = await prepareStateDir(options.stateDir ?? `${target.prefix}-state`);
  const disks = await resolveDisks(
    options.disks ?? [],
    state.dir,
    options.signal ? { signal: options.signal } : {},
  );
  const cdroms: string[] = [];
  if (options.data !== undefined) {
    await writeMetadataIso(options.data, state.dataIso);
    cdroms.push(state.dataIso);
  }
  const firmware = target.uefi
    ? await findUefiFirmware({ arch, varsCopyPath: state.efiVars, ...(options.fw ? { fw: options.fw } : {}) })
    : undefined;
  const accel = await chooseAccelerator({
    requested: options.accel ?? "auto",
    arch,
    qemu,
    ...(target.kind === "kernel" || target.kind === "squashfs" ? { probeKernel: target.kernel } : {}),
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
    ...(options.onProbe ? { onProgress: options.onProbe } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const plan: QemuPlan = {
    arch,
    qemu,
    accel: accel.accel,
    cpus: options.cpus ?? RUN_QEMU_DEFAULTS.cpus,
    memMiB: options.memMiB ?? RUN_QEMU_DEFAULTS.memMiB,
    uuid: randomUUID(),
    target,
    disks,
    cdroms,
    ...(firmware ? { firmware } : {}),
    networking,
    publish,
    mac: await loadOrCreateMac(state.dir),
    pidFile: state.pidFile,
    qmpSocket: state.qmpSocket,
    gui: options.gui ?? false,
    usb: options.usb ?? false,
    devices: options.devices ?? [],
    extraArgs: [...(options.noReboot ? ["-no-reboot"] : []), ...(options.extraArgs ?? [])],
  };
  const vm = await startQemu({
    program: qemu,
    args: qemuArgv(plan),
    qmpSocket: state.qmpSocket,
    consoleLog: state.consoleLog,
    accel: accel.accel,
    noReboot: options.noReboot ?? false,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  }).catch(async (error: unknown) => {
    await removeSocketDir(state);
    throw error;
  });
  // The pid file is qemu's to write; the socket's own directory (when the state path was too long) is ours.
  void vm.ended.then(() => removeSocketDir(state));
  return { vm, plan, target, accel, state };
}

async function removeSocketDir(state: StatePaths): Promise<void> {
  if (state.qmpSocketDir) await rm(state.qmpSocketDir, { recursive: true, force: true });
}
