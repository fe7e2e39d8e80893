/**
 * Runs qemu for one VM and follows it to its end: the serial console (qemu's stdout, see
 * vm-console.ts), typed input (its stdin), its complaints (stderr), QMP (qmp.ts) for a graceful
 * stop and for quitting after a halt, a timeout, an abort signal, and why it ended (vm-end.ts).
 * The argv is the caller's (qemu-argv.ts makes it from a QemuPlan): it should put the serial port
 * on stdio with no monitor there (`-display none -serial stdio -monitor none`, or `-nographic
 * -monitor none`) and, for `stop()`, a QMP socket.
 *
 * qemu never outlives us: it is spawned through `setpriv --pdeathsig KILL` (util-linux) so the
 * kernel kills it when this process dies, even by SIGKILL; an exit hook kills it on a normal exit.
 * It runs in its own session, so a Ctrl-C in the terminal reaches our process, which decides
 * (`stop()` or `kill()`), and not qemu directly (qemu would exit at once on SIGINT).
 *
 * Left out: daemonising (LinuxKit's `--detached`), reconnecting to a VM started by another process.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { type FileHandle, open } from "node:fs/promises";
import { setTimeout as delay } from "node:timers/promises";
import { HypervisorError } from "./errors.js";
import { findProgram, requireProgram } from "./find-program.js";
import { formatSeconds } from "./format-seconds.js";
import { connectQmp, type QmpClient, type QmpEvent } from "./qmp.js";
import type { Accelerator, VmEnd } from "./types.js";
import { createVmConsole, type VmConsole } from "./vm-console.js";
import { describeVmEnd, type GuestEndSigns, stderrLine } from "./vm-end.js";

/** Options of {@link launchQemu}. */
export interface LaunchQemuOptions {
  /** `qemu-system-<arch>` (looked up on PATH) or a path to it. */
  readonly program: string;
  /** Its arguments (see the module comment for the console and QMP ones). */
  readonly args: readonly string[];
  /** The unix socket of the argv's `-qmp unix:PATH,server=on,wait=off`; without it `stop()` kills. */
  readonly qmpSocket?: string;
  /** A file the raw console bytes are appended to as they come. */
  readonly consoleLog?: string;
  /** The accelerator the argv asks for, reported back in `RunningVm.accel` and the summary. */
  readonly accel: Accelerator | undefined;
  /** Kill the VM this long after the start. */
  readonly timeoutMs?: number;
  /** Kill the VM when aborted. */
  readonly signal?: AbortSignal;
  /** Whether the argv has `-no-reboot` (a guest reboot then ends qemu); default false. */
  readonly noReboot?: boolean;
}

/** Defaults of the launcher. */
export const LAUNCH_DEFAULTS = {
  /** `stop()`: how long the guest gets to power off after `system_powerdown`. */
  stopGraceMs: 20_000,
  /** `started` resolves after qemu has been alive this long (if neither QMP nor the console spoke first). */
  aliveMs: 500,
  /** After `reboot: System halted`, how long QMP `quit` (or SIGTERM) gets before SIGKILL. */
  haltQuitMs: 2000,
  /** How long the launcher keeps trying to reach the QMP socket. */
  qmpConnectTimeoutMs: 10_000,
  /** How much of qemu's stderr is kept (its end). */
  stderrChars: 64 * 1024,
} as const;

/** Options of {@link RunningVm.stop}. */
export interface StopOptions {
  /** How long the guest gets to power off before it is killed; default LAUNCH_DEFAULTS.stopGraceMs. */
  readonly graceMs?: number;
}

/** A qemu process started by {@link launchQemu}. */
export interface RunningVm {
  /** qemu's process id; undefined only when spawning failed (`ended` says why). */
  readonly pid: number | undefined;
  /** The program and its arguments, as run (without the setpriv wrapper). */
  readonly argv: readonly string[];
  readonly accel: Accelerator | undefined;
  readonly console: VmConsole;
  /** The QMP connection, once made (undefined without `qmpSocket`, before it connects, or if it never did). */
  readonly qmp: QmpClient | undefined;
  /** Resolves when qemu has exited, however it ended; never rejects. */
  readonly ended: Promise<VmEnd>;
  /**
   * Resolves once qemu is up: QMP connected, the console printed, or it lived LAUNCH_DEFAULTS.aliveMs.
   * @throws {HypervisorError} HV_QEMU_FAILED (with qemu's stderr) when qemu ended before that
   */
  readonly started: Promise<void>;
  /**
   * Asks the guest to power off (QMP `system_powerdown`, the ACPI power button) and kills qemu if
   * it has not ended after `graceMs`; resolves with the end ("stopped", or "killed").
   */
  stop(options?: StopOptions): Promise<VmEnd>;
  /** Kills qemu (SIGKILL) and resolves with the end; `why` is said in the end's summary. */
  kill(why?: string): Promise<VmEnd>;
}

/**
 * Starts qemu and returns at once; see {@link RunningVm}. qemu failing at start is not thrown:
 * `ended` resolves with reason "qemu-error" and `started` rejects (or use {@link startQemu}).
 * @throws {HypervisorError} HV_TOOL_MISSING when the program is not installed (checked before spawning); HV_STATE when `consoleLog` cannot be opened
 * @example
 * ```ts
 * const vm = await launchQemu({ program: "qemu-system-x86_64", args, qmpSocket, accel: "tcg", noReboot: true });
 * await vm.started;
 * await vm.console.waitFor(/login:/, { timeoutMs: 60_000 });
 * vm.console.write("root\n");
 * const end = await vm.stop({ graceMs: 10_000 });
 * console.log(end.summary); // "the guest powered off on request (system_powerdown) after 14.2 s (tcg)"
 * ```
 */
export async function launchQemu(options: LaunchQemuOptions): Promise<RunningVm> {
  const program = await requireProgram(options.program);
  const setpriv = await findProgram("setpriv");
  let log: FileHandle | undefined;
  if (options.consoleLog !== undefined) {
    try {
      log = await open(options.consoleLog, "a");
    } catch (cause) {
      throw new HypervisorError(
        "HV_STATE",
        `${options.consoleLog}: cannot open the console log (${(cause as NodeJS.ErrnoException).code}); check that its directory exists and is writable`,
        { cause },
      );
    }
  }
  const argv = [options.program, ...options.args];
  // setpriv execs qemu in place (same pid); the death signal survives the exec.
  const [command, commandArgs] = setpriv
    ? [setpriv, ["--pdeathsig", "KILL", "--", program, ...options.args]]
    : [program, [...options.args]];
  let child: ChildProcess;
  try {
    child = spawn(command, commandArgs, { stdio: ["pipe", "pipe", "pipe"], detached: true });
  } catch (error) {
    // spawn throws (rather than emitting "error") for a few failures, e.g. EMFILE.
    await log?.close();
    throw error;
  }
  return follow(child, options, argv, log);
}

/**
 * {@link launchQemu}, then waits until qemu is up.
 * @throws {HypervisorError} HV_TOOL_MISSING, HV_STATE (see launchQemu); HV_QEMU_FAILED with qemu's stderr when it exits at start
 */
export async function startQemu(options: LaunchQemuOptions): Promise<RunningVm> {
  const vm = await launchQemu(options);
  await vm.started;
  return vm;
}

/** Follows a spawned qemu to its end. */
function follow(
  child: ChildProcess,
  options: LaunchQemuOptions,
  argv: readonly string[],
  log: FileHandle | undefined,
): RunningVm {
  const startedAt = performance.now();
  const elapsedMs = () => performance.now() - startedAt;
  let stderr = "";
  let exited = false;
  let killedBecause: string | undefined;
  let stopRequested = false;
  let shutdownReason: string | undefined;
  let qmp: QmpClient | undefined;
  let guest: GuestEndSigns = { poweredOff: false, halted: false, restarted: false };
  const timers = new Set<NodeJS.Timeout>();
  const exitController = new AbortController();

  const later = (ms: number, then: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      then();
    }, ms);
    timers.add(timer);
  };
  const killWith = (because: string) => {
    if (exited) return;
    killedBecause ??= because;
    child.kill("SIGKILL");
  };

  // The console log is written in order, one chunk after the other.
  let logWrites: Promise<unknown> = Promise.resolve();
  const appendToLog = (chunk: Uint8Array) => {
    const handle = log;
    if (!handle) return;
    logWrites = logWrites.then(() => handle.write(chunk));
    // A failed log write (disk full) must not end the VM, whose console stays available through
    // `console`; logging stops instead.
    logWrites = logWrites.catch(() => {
      log = undefined;
    });
  };

  const quitAfterHalt = () => {
    // The guest's CPU stopped; qemu would otherwise sit there forever.
    if (qmp && !qmp.isClosed)
      qmp.execute("quit").catch(() => {
        // qemu may close the connection before answering quit; the exit is what counts.
      });
    else child.kill("SIGTERM");
    later(LAUNCH_DEFAULTS.haltQuitMs, () => killWith("the guest halted and qemu did not quit"));
  };

  const feed = createVmConsole({
    write: (bytes) => {
      if (!exited) child.stdin?.write(bytes);
    },
    elapsedMs,
    onLine: ({ line }) => {
      if (/Linux version \d/.test(line)) {
        // A new boot (the guest rebooted inside this qemu): what the last one said no longer applies.
        guest = { poweredOff: false, halted: false, restarted: false };
      } else if (/Kernel panic - not syncing/.test(line)) {
        guest = { ...guest, panicLine: line.slice(line.indexOf("Kernel panic")) };
      } else if (/reboot: Power down/.test(line)) {
        guest = { ...guest, poweredOff: true };
      } else if (/reboot: System halted/.test(line)) {
        if (!guest.halted) quitAfterHalt();
        guest = { ...guest, halted: true };
      } else if (/reboot: Restarting system/.test(line) && options.noReboot) {
        guest = { ...guest, restarted: true };
      }
    },
  });

  let markStarted: () => void = () => {};
  let failStart: (error: Error) => void = () => {};
  const started = new Promise<void>((resolve, reject) => {
    markStarted = resolve;
    failStart = reject;
  });
  // Nobody may await `started`; its rejection is also in `ended`, so it must not crash the process.
  started.catch(() => {});
  later(LAUNCH_DEFAULTS.aliveMs, () => markStarted());

  child.stdout?.on("data", (chunk: Buffer) => {
    markStarted();
    appendToLog(chunk);
    feed.push(chunk);
  });
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (text: string) => {
    stderr = (stderr + text).slice(-LAUNCH_DEFAULTS.stderrChars);
  });
  // Typing into a qemu that is exiting fails with EPIPE; the exit is reported through `ended`.
  child.stdin?.on("error", () => {});

  if (options.qmpSocket !== undefined) {
    const qmpSocket = options.qmpSocket;
    void connectQmp(qmpSocket, {
      timeoutMs: LAUNCH_DEFAULTS.qmpConnectTimeoutMs,
      signal: exitController.signal,
      onEvent: (event: QmpEvent) => {
        if (event.event === "SHUTDOWN" && typeof event.data?.reason === "string")
          shutdownReason = event.data.reason;
      },
    }).then(
      (client) => {
        if (exited) client.close();
        else {
          qmp = client;
          markStarted();
        }
      },
      () => {
        // qemu exited before serving QMP (`ended` says why), or never served it: then stop()
        // cannot ask the guest and kills instead.
      },
    );
  }

  if (options.timeoutMs !== undefined) {
    const { timeoutMs } = options;
    later(timeoutMs, () => killWith(`its ${formatSeconds(timeoutMs)} timeout ran out`));
  }
  const onAbort = () => killWith("aborted");
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener("abort", onAbort, { once: true });
  const onProcessExit = () => {
    child.kill("SIGKILL");
  };
  process.once("exit", onProcessExit);

  const stdioClosed = Promise.all(
    [child.stdout, child.stderr].map((stream) =>
      stream ? new Promise((resolve) => stream.once("close", resolve)) : undefined,
    ),
  );

  const ended = new Promise<VmEnd>((resolve) => {
    let finishing = false;
    const finish = async (exitCode: number | null, signal: NodeJS.Signals | null, spawnError?: string) => {
      if (finishing) return;
      finishing = true;
      exited = true;
      const elapsed = elapsedMs();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      options.signal?.removeEventListener("abort", onAbort);
      process.removeListener("exit", onProcessExit);
      // The last console bytes and QMP's SHUTDOWN event may still be in flight; a child of qemu
      // holding its stdout must not keep us waiting, hence the caps. The caps' timers are unref'd:
      // a pending one kept the CLI's process alive for a second after qemu was gone.
      await Promise.race([stdioClosed, delay(1000, undefined, { ref: false })]);
      if (qmp) await Promise.race([qmp.closed, delay(300, undefined, { ref: false })]);
      exitController.abort();
      qmp?.close();
      const end = describeVmEnd({
        program: options.program,
        exitCode,
        signal,
        elapsedMs: elapsed,
        accel: options.accel,
        qemuStderr: stderr,
        guest,
        ...(shutdownReason !== undefined ? { shutdownReason } : {}),
        ...(killedBecause !== undefined ? { killedBecause } : {}),
        stopRequested,
        ...(spawnError !== undefined ? { spawnError } : {}),
      });
      feed.end(end.summary);
      failStart(
        new HypervisorError(
          "HV_QEMU_FAILED",
          `${options.program} did not start: ${end.reason === "qemu-error" ? stderrLine(stderr) || end.summary : end.summary}; the command was: ${argv.join(" ")}`,
        ),
      );
      await logWrites;
      await log?.close().catch(() => {
        // Closing a log file we only appended to cannot lose anything already written.
      });
      resolve(end);
    };
    child.once("exit", (exitCode, signal) => void finish(exitCode, signal));
    child.once("error", (error) => {
      // Without a pid the spawn failed and no "exit" will come; with one, "exit" reports.
      if (child.pid === undefined) void finish(null, null, error.message);
    });
  });

  return {
    pid: child.pid,
    argv,
    accel: options.accel,
    console: feed.console,
    get qmp() {
      return qmp;
    },
    ended,
    started,
    async stop(stopOptions: StopOptions = {}) {
      if (exited) return ended;
      const graceMs = stopOptions.graceMs ?? LAUNCH_DEFAULTS.stopGraceMs;
      stopRequested = true;
      const client =
        qmp ?? (options.qmpSocket !== undefined ? await waitForQmp(() => qmp, ended, graceMs) : undefined);
      if (!client || client.isClosed) {
        killWith(
          options.qmpSocket === undefined
            ? "stop() without a QMP socket cannot ask the guest to power off"
            : "stop() could not reach qemu's QMP socket",
        );
        return ended;
      }
      later(graceMs, () => killWith(`the guest ignored system_powerdown for ${formatSeconds(graceMs)}`));
      await client.execute("system_powerdown").catch(() => {
        // qemu is exiting (the connection closed); `ended` tells how.
      });
      return ended;
    },
    kill(why?: string) {
      killWith(why ?? "kill() was called");
      return ended;
    },
  };
}

/** The QMP client once the launcher has it, or undefined when the VM ends or `waitMs` passes first. */
async function waitForQmp(
  current: () => QmpClient | undefined,
  ended: Promise<VmEnd>,
  waitMs: number,
): Promise<QmpClient | undefined> {
  const deadline = performance.now() + waitMs;
  let isEnded = false;
  void ended.then(() => {
    isEnded = true;
  });
  while (!current() && !isEnded && performance.now() < deadline) await delay(25);
  return current();
}
