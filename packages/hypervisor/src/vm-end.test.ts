import { describe, expect, it } from "vitest";
import { describeVmEnd, type VmEndFacts } from "./vm-end.js";

const QUIET = { poweredOff: false, halted: false, restarted: false };
const base: VmEndFacts = {
  program: "/usr/bin/qemu-system-x86_64",
  exitCode: 0,
  signal: null,
  elapsedMs: 9800,
  accel: "tcg",
  qemuStderr: "",
  guest: QUIET,
  stopRequested: false,
};

describe("describeVmEnd", () => {
  it.each<[string, Partial<VmEndFacts>, string, boolean, string]>([
    [
      "the console's power down",
      { guest: { ...QUIET, poweredOff: true } },
      "poweroff",
      true,
      "the guest powered off after 9.8 s (tcg)",
    ],
    [
      "QMP's guest-shutdown",
      { shutdownReason: "guest-shutdown" },
      "poweroff",
      true,
      "the guest powered off after 9.8 s (tcg)",
    ],
    [
      "a halt that the launcher ended by QMP quit",
      { guest: { ...QUIET, halted: true }, shutdownReason: "host-qmp-quit" },
      "halt",
      true,
      "the guest halted after 9.8 s (tcg); ocikit then quit qemu",
    ],
    [
      "a halt that the launcher ended by SIGKILL",
      {
        guest: { ...QUIET, halted: true },
        exitCode: null,
        signal: "SIGKILL",
        killedBecause: "the guest halted",
      },
      "halt",
      true,
      "the guest halted",
    ],
    [
      "a reboot under -no-reboot",
      { guest: { ...QUIET, restarted: true } },
      "reboot",
      false,
      "the guest rebooted after 9.8 s (tcg); qemu exited instead (-no-reboot)",
    ],
    ["QMP's guest-reset", { shutdownReason: "guest-reset" }, "reboot", false, "the guest rebooted"],
    [
      "a panic (panic=-1 then -no-reboot)",
      {
        guest: { ...QUIET, restarted: true, panicLine: "Kernel panic - not syncing: No working init found." },
      },
      "panic",
      false,
      "the guest's kernel panicked after 9.8 s (tcg): Kernel panic - not syncing: No working init found.",
    ],
    [
      "a graceful stop the guest honoured",
      { stopRequested: true, guest: { ...QUIET, poweredOff: true } },
      "stopped",
      true,
      "the guest powered off on request (system_powerdown) after 9.8 s (tcg)",
    ],
    [
      "a stop whose grace time ran out",
      {
        stopRequested: true,
        exitCode: null,
        signal: "SIGKILL",
        killedBecause: "the guest ignored system_powerdown for 2 s",
      },
      "killed",
      false,
      "the VM was killed after 9.8 s (tcg): the guest ignored system_powerdown for 2 s",
    ],
    [
      "a timeout",
      { exitCode: null, signal: "SIGKILL", killedBecause: "its 60 s timeout ran out" },
      "killed",
      false,
      "the VM was killed after 9.8 s (tcg): its 60 s timeout ran out",
    ],
    [
      "a poweroff that beat the kill",
      { guest: { ...QUIET, poweredOff: true }, killedBecause: "kill() was called" },
      "poweroff",
      true,
      "the guest powered off",
    ],
    [
      "a SIGKILL from elsewhere",
      { exitCode: null, signal: "SIGKILL" },
      "killed",
      false,
      "qemu-system-x86_64 was killed by SIGKILL after 9.8 s (tcg), not by ocikit",
    ],
    [
      "a Ctrl-C reaching qemu",
      { shutdownReason: "host-signal" },
      "killed",
      false,
      "qemu-system-x86_64 was ended from outside ocikit (host-signal)",
    ],
    [
      "exit 0 with nothing said",
      { accel: undefined },
      "poweroff",
      true,
      "qemu-system-x86_64 exited normally after 9.8 s; the console did not say",
    ],
    [
      "bad arguments",
      { exitCode: 1, elapsedMs: 40, qemuStderr: "qemu-system-x86_64: -bogus: invalid option\n" },
      "qemu-error",
      false,
      "qemu-system-x86_64 failed after 0 s (tcg) (exit 1): qemu-system-x86_64: -bogus: invalid option",
    ],
    [
      "a failed spawn",
      { exitCode: null, spawnError: "spawn setpriv EACCES" },
      "qemu-error",
      false,
      "qemu-system-x86_64 could not be started: spawn setpriv EACCES",
    ],
  ])("%s", (_name, facts, reason, clean, summary) => {
    const end = describeVmEnd({ ...base, ...facts });
    expect(end).toMatchObject({ reason, clean });
    expect(end.summary).toContain(summary);
  });
});
