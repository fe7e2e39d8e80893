import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { timeConsole } from "./console-timing.js";

const markers = { banner: /^ocikit-init: welcome/, note: /^note$/ };

/** Whether process `pid` still runs: a zombie (reparented to an init that reaps it late) does not. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    // No /proc entry: gone.
    return false;
  }
}

describe("timeConsole", () => {
  it("times each marker, on stdout or stderr, and ends the whole process group at the one it stops at", async () => {
    // A child left in the background stands for qemu: it must not outlive the run.
    const script =
      'sleep 60 & echo $! >&2; echo note >&2; sleep 0.2; printf "boot\\r\\nocikit-init: welcome to\\r\\n"; sleep 60';
    const timing = await timeConsole({
      argv: ["sh", "-c", script],
      markers,
      stopAt: "banner",
      timeoutMs: 10_000,
    });
    expect(timing.markerMs.banner).toBeGreaterThan(0);
    expect(timing.markerMs.note).toBeLessThanOrEqual(timing.markerMs.banner ?? 0);
    expect(timing.firstOutputMs).toBeLessThanOrEqual(timing.markerMs.banner ?? 0);
    expect(timing.exitMs).toBeUndefined();
    const background = Number(timing.stderr.split("\n")[0]);
    await expect.poll(() => isRunning(background)).toBe(false);
  });

  it("waits for the exit with stopAt exit", async () => {
    const timing = await timeConsole({
      argv: ["sh", "-c", "echo 'ocikit-init: welcome'; echo note >&2"],
      markers,
      stopAt: "exit",
      timeoutMs: 10_000,
    });
    expect(timing.exitMs).toBeGreaterThanOrEqual(timing.markerMs.banner ?? Number.NaN);
    expect(timing.markerMs.note).toBeDefined();
  });

  it.each([
    [
      "an exit before the marker",
      "echo booting; echo oops >&2; exit 3",
      /exited \(3\) before banner.*oops.*booting/s,
    ],
    ["no marker in time", "echo booting; sleep 60", /banner not seen within 300 ms/],
  ])("fails on %s, quoting stderr and the console", async (_, script, message) => {
    await expect(
      timeConsole({ argv: ["sh", "-c", script], markers, stopAt: "banner", timeoutMs: 300 }),
    ).rejects.toThrow(message);
  });

  it("fails when the program exits non-zero with stopAt exit", async () => {
    await expect(
      timeConsole({ argv: ["sh", "-c", "exit 1"], markers, stopAt: "exit", timeoutMs: 10_000 }),
    ).rejects.toThrow(/exited 1/);
  });
});
