/**
 * A boot harness for tests and the demo (the real hypervisor package is issue 5's): runs
 * `qemu-system-x86_64 -nographic -no-reboot` on a kernel and initrd with user-mode networking
 * (`virtio-net-pci`, optional host port forwards), streams the serial console, notes when each
 * marker (a RegExp tested against each console line) first appears, and ends when the VM exits
 * (poweroff, or reboot: `-no-reboot`), when every marker was seen (if asked), on timeout or abort.
 * qemu is always killed and reaped: by the harness, by an exit hook, and by the kernel if the test
 * process dies (`setpriv --pdeathsig KILL`). KVM is used only when /dev/kvm opens and a probe boot
 * prints the kernel banner (on nested machines KVM exists but cannot boot a stock kernel); else TCG.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { TestImagesError } from "./errors.js";
import { type Accelerator, type PortForward, qemuArgv } from "./qemu-argv.js";

export type { Accelerator, PortForward } from "./qemu-argv.js";

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
  /** The whole serial console, carriage returns removed. */
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
  /** Resolves when a console line matches `marker` (lines seen already count); rejects if the VM ends first. */
  waitFor(marker: RegExp): Promise<MarkerHit>;
  /** Kills the VM (if running) and resolves with the result. */
  stop(): Promise<BootResult>;
  /** Resolves when the boot ends, however it ends. */
  readonly result: Promise<BootResult>;
}

const TAIL_CHARS = 3000;

/** Whether `program` is an executable file on PATH. */
async function onPath(program: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? "").split(delimiter).filter(Boolean)) {
    if (
      await access(join(dir, program), constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return true;
  }
  return false;
}

/**
 * Whether KVM can boot `kernel` here: /dev/kvm opens read-write and a probe boot prints the
 * kernel's banner within `timeoutMs`.
 */
export async function probeKvm(
  kernel: string,
  timeoutMs: number = BOOT_DEFAULTS.kvmProbeTimeoutMs,
): Promise<boolean> {
  const usable = await access("/dev/kvm", constants.R_OK | constants.W_OK).then(
    () => true,
    () => false,
  );
  if (!usable) return false;
  const probe = await bootKernel({
    kernel,
    accel: "kvm",
    timeoutMs,
    markers: [/Linux version \d/],
    stopWhenMarkersSeen: true,
  });
  return probe.markersMissing.length === 0;
}

/**
 * Starts a VM; see {@link RunningVm}.
 * @throws {TestImagesError} `TEST_IMAGES_TOOL_MISSING` when qemu (qemu-system-x86) is not installed
 * @example
 * ```ts
 * const vm = await startVm({ kernel, initrd, timeoutMs: 60_000, forwardPorts: [{ hostPort, guestPort: 22 }] });
 * await vm.waitFor(/Server listening/);
 * // … ssh -p hostPort root@127.0.0.1 …
 * const result = await vm.stop();
 * ```
 */
export async function startVm(options: BootOptions): Promise<RunningVm> {
  if (!(await onPath(BOOT_DEFAULTS.qemu)))
    throw new TestImagesError(
      "TEST_IMAGES_TOOL_MISSING",
      `${BOOT_DEFAULTS.qemu}: not installed; run "apt-get install qemu-system-x86" (tools/dev/setup.sh installs it)`,
    );
  const wanted = options.accel ?? BOOT_DEFAULTS.accel;
  const accel: Accelerator = wanted === "auto" ? ((await probeKvm(options.kernel)) ? "kvm" : "tcg") : wanted;
  const argv = qemuArgv({
    ...options,
    memMiB: options.memMiB ?? BOOT_DEFAULTS.memMiB,
    cpus: options.cpus ?? BOOT_DEFAULTS.cpus,
    accel,
  });
  // setpriv makes the kernel kill qemu when this process dies, even by SIGKILL.
  const child = spawn("setpriv", ["--pdeathsig", "KILL", BOOT_DEFAULTS.qemu, ...argv], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  return watch(child, options, accel, [BOOT_DEFAULTS.qemu, ...argv]);
}

/** Follows a started qemu: console, markers, waiters, timeout, abort and the end. */
function watch(child: ChildProcess, options: BootOptions, accel: Accelerator, argv: string[]): RunningVm {
  const started = Date.now();
  let consoleText = "";
  let partial = "";
  let qemuStderr = "";
  let ending: BootEnding | undefined;
  const hits: MarkerHit[] = [];
  const pending = new Set(options.markers ?? []);
  const waiters: { marker: RegExp; resolve: (hit: MarkerHit) => void; reject: (error: Error) => void }[] = [];
  const lines: string[] = [];

  const kill = (why: BootEnding) => {
    ending ??= why;
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  const onLine = (line: string) => {
    lines.push(line);
    const atMs = Date.now() - started;
    for (const marker of [...pending]) {
      if (!marker.test(line)) continue;
      pending.delete(marker);
      hits.push({ marker, line, atMs });
    }
    for (const waiter of [...waiters]) {
      if (!waiter.marker.test(line)) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve({ marker: waiter.marker, line, atMs });
    }
    if (options.stopWhenMarkersSeen && options.markers?.length && pending.size === 0) kill("markers");
  };
  child.stdout?.on("data", (chunk: Buffer) => {
    const text = chunk.toString("utf8").replaceAll("\r", "");
    consoleText += text;
    options.onConsole?.(text);
    const parts = (partial + text).split("\n");
    partial = parts.pop() ?? "";
    for (const line of parts) onLine(line);
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    qemuStderr += chunk.toString("utf8");
  });
  // qemu reads the serial console's input from stdin; nothing is typed, and EPIPE at exit is fine.
  child.stdin?.on("error", () => {});

  const timer = setTimeout(() => kill("timeout"), options.timeoutMs);
  const onAbort = () => kill("aborted");
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener("abort", onAbort, { once: true });
  const onProcessExit = () => child.kill("SIGKILL");
  process.once("exit", onProcessExit);

  const result = new Promise<BootResult>((resolve) => {
    child.once("error", (error) => {
      qemuStderr += `${error.message}\n`;
    });
    child.once("close", (exitCode, exitSignal) => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      process.removeListener("exit", onProcessExit);
      if (partial) onLine(partial);
      const finalEnding = ending ?? "exited";
      for (const waiter of waiters.splice(0))
        waiter.reject(
          new Error(`the VM ended (${finalEnding}) before a console line matched ${waiter.marker}`),
        );
      resolve({
        console: consoleText,
        consoleTail: consoleText.slice(-TAIL_CHARS),
        markersSeen: hits,
        markersMissing: [...pending],
        ending: finalEnding,
        timedOut: finalEnding === "timeout",
        poweredOff: /reboot: Power down/.test(consoleText),
        exitCode,
        exitSignal,
        qemuStderr,
        accel,
        elapsedMs: Date.now() - started,
        argv,
      });
    });
  });

  return {
    accel,
    argv,
    console: () => consoleText,
    waitFor: (marker) => {
      const line = lines.find((seen) => marker.test(seen));
      if (line !== undefined) return Promise.resolve({ marker, line, atMs: Date.now() - started });
      if (child.exitCode !== null || child.signalCode !== null)
        return Promise.reject(new Error(`the VM has ended; no console line matched ${marker}`));
      return new Promise((resolve, reject) => waiters.push({ marker, resolve, reject }));
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
 * @throws {TestImagesError} `TEST_IMAGES_TOOL_MISSING` when qemu (qemu-system-x86) is not installed
 * @example
 * ```ts
 * const boot = await bootKernel({ kernel, initrd, timeoutMs: 60_000, markers: [/ocikit-init: welcome/] });
 * if (!boot.poweredOff) throw new Error(boot.consoleTail);
 * ```
 */
export async function bootKernel(options: BootOptions): Promise<BootResult> {
  return (await startVm(options)).result;
}
