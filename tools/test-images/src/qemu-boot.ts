/**
 * The boot harness for tests and the demo, a thin layer over @ocikit/hypervisor: boots a kernel
 * and initrd under `qemu-system-x86_64` (planned by boot-plan.ts: serial console on stdio,
 * `-no-reboot`, user-mode networking with host port forwards), notes when each marker (a RegExp
 * tested against each console line) first appears, and ends when the VM exits (poweroff, or reboot:
 * `-no-reboot`), when every marker was seen (if asked), on timeout or abort. hypervisor's
 * `launchQemu` runs qemu (through `setpriv --pdeathsig KILL`, with an exit hook: it never outlives
 * the test process) and follows its console and end; the harness kills it (SIGKILL, no graceful
 * `system_powerdown`) on timeout, abort, `stop()` or once the markers are in. With "auto", the
 * accelerator is hypervisor's `chooseAccelerator`: KVM only when /dev/kvm opens and a probe boot
 * of the kernel prints its banner (its answer cached per machine), else TCG.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Accelerator,
  chooseAccelerator,
  type RunningVm as HypervisorVm,
  launchQemu,
  prepareStateDir,
  qemuArgv,
  type StatePaths,
  type VmEnd,
} from "@ocikit/hypervisor";
import { type PortForward, planBoot } from "./boot-plan.js";

export type { Accelerator } from "@ocikit/hypervisor";
export type { PortForward } from "./boot-plan.js";

/** Options of {@link startVm} and {@link bootKernel}. */
export interface BootOptions {
  readonly kernel: string;
  readonly initrd?: string;
  /** Kernel command line; `console=ttyS0` is added when it names no console, `panic=-1` when it sets no panic. */
  readonly cmdline?: string;
  /** Default: BOOT_DEFAULTS.memMiB (512). */
  readonly memMiB?: number;
  /** Default: BOOT_DEFAULTS.cpus (1). */
  readonly cpus?: number;
  /** The VM is killed this long after it started. */
  readonly timeoutMs: number;
  /** Each is tested against every console line; the result says which were seen and when. */
  readonly markers?: readonly RegExp[];
  /** Kill the VM as soon as every marker was seen, instead of waiting for it to exit; default false. */
  readonly stopWhenMarkersSeen?: boolean;
  readonly forwardPorts?: readonly PortForward[];
  /** Default "auto": KVM when it works (see the module comment), else TCG. */
  readonly accel?: Accelerator | "auto";
  /** More qemu arguments, appended. */
  readonly qemuArgs?: readonly string[];
  /** Receives the console as it comes (carriage returns removed). */
  readonly onConsole?: (text: string) => void;
  readonly signal?: AbortSignal;
}

/** Defaults of {@link BootOptions}. */
export const BOOT_DEFAULTS = {
  memMiB: 512,
  cpus: 1,
  accel: "auto",
  qemu: "qemu-system-x86_64",
  /** How long the KVM probe waits for the kernel banner. */
  kvmProbeTimeoutMs: 8000,
} as const;

/** A marker's first appearance. */
export interface MarkerHit {
  readonly marker: RegExp;
  /** The console line it matched. */
  readonly line: string;
  /** Milliseconds after qemu started. */
  readonly atMs: number;
}

/** How a boot ended. */
export type BootEnding = "exited" | "markers" | "timeout" | "stopped" | "aborted";

/** What a boot did. */
export interface BootResult {
  /** The serial console (its last MiB), carriage returns removed. */
  readonly console: string;
  /** Its last 3000 characters, for failure messages. */
  readonly consoleTail: string;
  readonly markersSeen: readonly MarkerHit[];
  readonly markersMissing: readonly RegExp[];
  readonly ending: BootEnding;
  readonly timedOut: boolean;
  /** Whether the kernel said "reboot: Power down" (a clean poweroff, not a panic or a reboot). */
  readonly poweredOff: boolean;
  /** qemu's exit status (0 after a poweroff or reboot), or null when it was killed. */
  readonly exitCode: number | null;
  readonly exitSignal: NodeJS.Signals | null;
  /** What qemu itself printed on stderr. */
  readonly qemuStderr: string;
  readonly accel: Accelerator;
  readonly elapsedMs: number;
  readonly argv: readonly string[];
}

/** A VM started by {@link startVm}. */
export interface RunningVm {
  readonly accel: Accelerator;
  readonly argv: readonly string[];
  /** The console so far. */
  console(): string;
  /**
   * Resolves when a console line matches `marker` (lines seen already count).
   * @throws {HypervisorError} HV_TIMEOUT when the VM ends first
   */
  waitFor(marker: RegExp): Promise<MarkerHit>;
  /** Kills the VM (if running) and resolves with the result. */
  stop(): Promise<BootResult>;
  /** Resolves when the boot ends, however it ends. */
  readonly result: Promise<BootResult>;
}

/**
 * Starts a VM; see {@link RunningVm}.
 * @throws {HypervisorError} HV_TOOL_MISSING when qemu (qemu-system-x86) is not installed; HV_STATE when no temporary state directory can be made
 * @example
 * ```ts
 * const vm = await startVm({ kernel, initrd, timeoutMs: 60_000, forwardPorts: [{ hostPort, guestPort: 22 }] });
 * await vm.waitFor(/Server listening/);
 * // … ssh -p hostPort root@127.0.0.1 …
 * const result = await vm.stop();
 * ```
 */
export async function startVm(options: BootOptions): Promise<RunningVm> {
  const wanted = options.accel ?? BOOT_DEFAULTS.accel;
  const accel =
    wanted === "auto"
      ? (
          await chooseAccelerator({
            arch: "x86_64",
            qemu: BOOT_DEFAULTS.qemu,
            probeKernel: options.kernel,
            timeoutMs: BOOT_DEFAULTS.kvmProbeTimeoutMs,
          })
        ).accel
      : wanted;
  // The pid file and the QMP socket qemuArgv asks for; nothing else is kept between boots.
  const stateDir = await mkdtemp(join(tmpdir(), "ocikit-boot-"));
  let state: StatePaths | undefined;
  try {
    state = await prepareStateDir(stateDir);
    const plan = planBoot(options, {
      qemu: BOOT_DEFAULTS.qemu,
      accel,
      memMiB: options.memMiB ?? BOOT_DEFAULTS.memMiB,
      cpus: options.cpus ?? BOOT_DEFAULTS.cpus,
      uuid: randomUUID(),
      pidFile: state.pidFile,
      qmpSocket: state.qmpSocket,
    });
    const vm = await launchQemu({
      program: plan.qemu,
      args: qemuArgv(plan),
      qmpSocket: state.qmpSocket,
      accel,
      noReboot: true,
    });
    return watch(vm, options, accel, () => removeState(stateDir, state));
  } catch (error) {
    await removeState(stateDir, state);
    throw error;
  }
}

async function removeState(stateDir: string, state: StatePaths | undefined): Promise<void> {
  await rm(stateDir, { recursive: true, force: true });
  if (state?.qmpSocketDir) await rm(state.qmpSocketDir, { recursive: true, force: true });
}

/** Follows a launched VM: markers, console text, timeout, abort, and the result. */
function watch(
  vm: HypervisorVm,
  options: BootOptions,
  accel: Accelerator,
  cleanUp: () => Promise<void>,
): RunningVm {
  let ending: BootEnding | undefined;
  const kill = (why: BootEnding) => {
    ending ??= why;
    void vm.kill();
  };

  const markers = [...new Set(options.markers ?? [])];
  const hits = new Map<RegExp, MarkerHit>();
  const markerWaits = markers.map((marker) =>
    vm.console.waitFor(marker).then(
      ({ line, atMs }) => {
        hits.set(marker, { marker, line, atMs: Math.round(atMs) });
        if (options.stopWhenMarkersSeen && hits.size === markers.length) kill("markers");
      },
      () => {
        // The VM ended first: the marker is reported missing.
      },
    ),
  );

  const { onConsole } = options;
  const decoder = new TextDecoder("utf-8");
  if (onConsole)
    vm.console.subscribe((chunk) => onConsole(decoder.decode(chunk, { stream: true }).replaceAll("\r", "")), {
      replay: true,
    });

  const timer = setTimeout(() => kill("timeout"), options.timeoutMs);
  const onAbort = () => kill("aborted");
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener("abort", onAbort, { once: true });

  const result = vm.ended.then(async (end: VmEnd): Promise<BootResult> => {
    const finalEnding = ending ?? "exited";
    ending = finalEnding; // a stop() from now on changes nothing
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
    // The console settles every wait before the VM's end is known: this only collects the hits.
    await Promise.all(markerWaits);
    await cleanUp();
    const rest = decoder.decode().replaceAll("\r", "");
    if (onConsole && rest) onConsole(rest);
    const consoleText = vm.console.text();
    return {
      console: consoleText,
      consoleTail: vm.console.tail(),
      // Lines are matched in order, so the hits were recorded in the order the console showed them.
      markersSeen: [...hits.values()],
      markersMissing: markers.filter((marker) => !hits.has(marker)),
      ending: finalEnding,
      timedOut: finalEnding === "timeout",
      poweredOff: /reboot: Power down/.test(consoleText),
      exitCode: end.exitCode,
      exitSignal: end.signal,
      qemuStderr: end.qemuStderr,
      accel,
      elapsedMs: Math.round(end.elapsedMs),
      argv: vm.argv,
    };
  });

  return {
    accel,
    argv: vm.argv,
    console: () => vm.console.text(),
    waitFor: async (marker) => {
      const { line, atMs } = await vm.console.waitFor(marker);
      return { marker, line, atMs: Math.round(atMs) };
    },
    stop: () => {
      kill("stopped");
      return result;
    },
    result,
  };
}

/**
 * Boots a kernel (and initrd) until the VM exits, every marker was seen (with
 * `stopWhenMarkersSeen`), the timeout or an abort, and returns what happened; never throws for
 * what the guest does.
 * @throws {HypervisorError} HV_TOOL_MISSING when qemu (qemu-system-x86) is not installed
 * @example
 * ```ts
 * const boot = await bootKernel({ kernel, initrd, timeoutMs: 60_000, markers: [/ocikit-init: welcome/] });
 * if (!boot.poweredOff) throw new Error(boot.consoleTail);
 * ```
 */
export async function bootKernel(options: BootOptions): Promise<BootResult> {
  return (await startVm(options)).result;
}
