/**
 * Why and how a VM ended, decided from what was observed: qemu's exit status, the kernel's last
 * words on the console (`reboot: Power down`, `reboot: System halted`, `reboot: Restarting system`,
 * `Kernel panic - not syncing`), QMP's SHUTDOWN event (its `reason`: guest-shutdown, guest-reset,
 * guest-panic, host-qmp-quit, host-signal, …) and what the launcher itself did (stop, kill, quit
 * after a halt). A pure function, so every combination is tested without booting anything.
 */
import { basename } from "node:path";
import { formatSeconds } from "./format-seconds.js";
import type { Accelerator, VmEnd, VmEndReason } from "./types.js";

/** What the console showed of the guest kernel's end. */
export interface GuestEndSigns {
  /** `reboot: Power down`. */
  readonly poweredOff: boolean;
  /** `reboot: System halted`. */
  readonly halted: boolean;
  /** `reboot: Restarting system`. */
  readonly restarted: boolean;
  /** The `Kernel panic - not syncing: …` line, from "Kernel". */
  readonly panicLine?: string;
}

/** Everything {@link describeVmEnd} decides from. */
export interface VmEndFacts {
  /** The program as given, e.g. `qemu-system-x86_64`. */
  readonly program: string;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly elapsedMs: number;
  readonly accel: Accelerator | undefined;
  readonly qemuStderr: string;
  readonly guest: GuestEndSigns;
  /** The `reason` of QMP's SHUTDOWN event, when one came. */
  readonly shutdownReason?: string;
  /** Why the launcher killed qemu, when it did (a timeout, kill(), an abort, stop()'s grace time). */
  readonly killedBecause?: string;
  /** `stop()` sent `system_powerdown`. */
  readonly stopRequested: boolean;
  /** Spawning failed before qemu ran (the error's message). */
  readonly spawnError?: string;
}

const CLEAN: ReadonlySet<VmEndReason> = new Set(["poweroff", "halt", "stopped"]);

/** The {@link VmEnd} these facts make: its reason, whether it is clean, and a summary line. */
export function describeVmEnd(facts: VmEndFacts): VmEnd {
  const { reason, summary } = decide(facts);
  return {
    reason,
    clean: CLEAN.has(reason),
    exitCode: facts.exitCode,
    signal: facts.signal,
    qemuStderr: facts.qemuStderr,
    elapsedMs: facts.elapsedMs,
    summary,
  };
}

function decide(facts: VmEndFacts): { reason: VmEndReason; summary: string } {
  const after = `after ${formatSeconds(facts.elapsedMs)}${facts.accel ? ` (${facts.accel})` : ""}`;
  const { guest, shutdownReason } = facts;
  const program = basename(facts.program);
  if (facts.spawnError !== undefined)
    return { reason: "qemu-error", summary: `${program} could not be started: ${facts.spawnError}` };
  // A halted guest's CPU just stops and qemu would wait forever: the launcher ended qemu itself,
  // by QMP quit or a signal, and the halt is the guest's normal end.
  if (guest.halted) return { reason: "halt", summary: `the guest halted ${after}; ocikit then quit qemu` };
  // Exiting with a status (not by a signal) means qemu ended on its own, whatever we asked.
  const exitedByItself = facts.signal === null;
  if (facts.killedBecause !== undefined && !exitedByItself)
    return { reason: "killed", summary: `the VM was killed ${after}: ${facts.killedBecause}` };
  if (guest.panicLine !== undefined || shutdownReason === "guest-panic")
    return {
      reason: "panic",
      summary: `the guest's kernel panicked ${after}${guest.panicLine ? `: ${guest.panicLine}` : ""}`,
    };
  if (facts.stopRequested && facts.exitCode === 0)
    return { reason: "stopped", summary: `the guest powered off on request (system_powerdown) ${after}` };
  if (guest.poweredOff || shutdownReason === "guest-shutdown")
    return { reason: "poweroff", summary: `the guest powered off ${after}` };
  if (guest.restarted || shutdownReason === "guest-reset")
    return { reason: "reboot", summary: `the guest rebooted ${after}; qemu exited instead (-no-reboot)` };
  if (!exitedByItself)
    return { reason: "killed", summary: `${program} was killed by ${facts.signal} ${after}, not by ocikit` };
  if (facts.exitCode === 0) {
    // host-signal: SIGINT/SIGTERM from elsewhere; host-qmp-quit: another QMP client; host-ui: window closed.
    if (shutdownReason?.startsWith("host-"))
      return {
        reason: "killed",
        summary: `${program} was ended from outside ocikit (${shutdownReason}) ${after}`,
      };
    return {
      reason: "poweroff",
      summary: `${program} exited normally ${after}; the console did not say how the guest ended (taken as a poweroff)`,
    };
  }
  const complaint = stderrLine(facts.qemuStderr);
  return {
    reason: "qemu-error",
    summary: `${program} failed ${after} (exit ${facts.exitCode})${complaint ? `: ${complaint}` : ""}`,
  };
}

/** qemu's stderr on one line, for summaries and messages. */
export function stderrLine(stderr: string, maxChars = 500): string {
  const line = stderr
    .split("\n")
    .map((part) => part.trim())
    .filter(Boolean)
    .join("; ");
  return line.length > maxChars ? `${line.slice(0, maxChars)}…` : line;
}
