import { describe, expect, it } from "vitest";
import { formatBytes, formatClock, formatDuration, formatMode, shortDigest } from "../page/src/format.js";
import { reconnectDelayMs } from "../page/src/reconnect-delay.js";
import { describeVm } from "../page/src/vm-label.js";

describe("formatBytes", () => {
  it.each([
    [0, "0 B"],
    [1023, "1023 B"],
    [1024, "1.0 KiB"],
    [1536, "1.5 KiB"],
    [5 * 1024 * 1024, "5.0 MiB"],
    [123.4 * 1024 * 1024, "123 MiB"],
    [3 * 1024 ** 3, "3.0 GiB"],
  ])("%d bytes is %s", (bytes, want) => expect(formatBytes(bytes)).toBe(want));
});

describe("formatDuration", () => {
  it.each([
    [0, "0 ms"],
    [849.6, "850 ms"],
    [2140, "2.1 s"],
    [65_000, "1 min 05 s"],
  ])("%d ms is %s", (ms, want) => expect(formatDuration(ms)).toBe(want));
});

describe("formatMode", () => {
  it.each([
    ["dir", 0o755, "drwxr-xr-x"],
    ["file", 0o644, "-rw-r--r--"],
    ["file", 0o4755, "-rwsr-xr-x"],
    ["file", 0o2644, "-rw-r-Sr--"],
    ["dir", 0o1777, "drwxrwxrwt"],
    ["symlink", 0o777, "lrwxrwxrwx"],
    ["char", 0o620, "crw--w----"],
  ])("%s %o is %s", (type, mode, want) => expect(formatMode(type, mode)).toBe(want));
});

describe("formatClock and shortDigest", () => {
  it("formats local time as HH:MM:SS", () =>
    expect(formatClock(new Date(2025, 0, 2, 9, 5, 7))).toBe("09:05:07"));
  it("shortens a digest to its algorithm and 12 hex digits", () =>
    expect(shortDigest(`sha256:${"0123456789abcdef".repeat(4)}`)).toBe("sha256:0123456789ab"));
});

describe("describeVm", () => {
  it.each([
    [{ state: "none" } as const, "no VM"],
    [{ state: "booting", buildId: 3, accel: "kvm" } as const, "booting #3 (kvm)"],
    [{ state: "running", buildId: 3, accel: "tcg" } as const, "running #3 (tcg)"],
  ])("%j is %s", (vm, want) => expect(describeVm(vm)).toBe(want));

  it("a stopped VM shows its build and why it ended", () => {
    const end = {
      reason: "poweroff",
      clean: true,
      exitCode: 0,
      signal: null,
      qemuStderr: "",
      elapsedMs: 9800,
      summary: "",
    } as const;
    expect(describeVm({ state: "stopped", buildId: 2, end })).toBe("stopped #2 (poweroff)");
  });
});

describe("reconnectDelayMs", () => {
  it.each([
    [1, 500],
    [2, 1000],
    [3, 2000],
    [5, 8000],
    [50, 8000],
  ])("attempt %d waits %d ms", (attempt, want) => expect(reconnectDelayMs(attempt)).toBe(want));
});
