import { describe, expect, it } from "vitest";
import { formatRunGoal, formatRunRatio, formatRunTable, type RunTableRow } from "./run-table.js";

const qemu: RunTableRow = {
  label: "qemu-system-x86_64 directly, tcg",
  bannerMs: [12_000, 11_000, 13_000],
  firstOutputMs: [3_600, 3_500, 3_700],
};
const ocikit: RunTableRow = {
  label: "ocikit run, tcg",
  bannerMs: [12_600, 12_000, 13_200],
  firstOutputMs: [4_400, 4_300, 4_500],
  qemuUpMs: [900, 800, 1_000],
  baseline: { label: "qemu", bannerMs: qemu.bannerMs },
};

describe("run benchmark table", () => {
  it.each<[string, RunTableRow, string]>([
    ["ocikit slower", ocikit, "1.05× qemu (+600 ms)"],
    ["ocikit faster", { ...ocikit, bannerMs: [11_500, 10_000, 12_500] }, "0.96× qemu (−500 ms)"],
    ["no baseline", qemu, ""],
  ])("states the ratio when %s", (_, row, want) => expect(formatRunRatio(row)).toBe(want));

  it.each<[string, RunTableRow, string]>([
    ["under the goal", { ...ocikit, bannerMs: [1_900, 2_100, 1_800], goalMs: 2000 }, "≤ 2,000 ms: met"],
    ["exactly at it", { ...ocikit, bannerMs: [2_000], goalMs: 2000 }, "≤ 2,000 ms: met"],
    ["over it", { ...ocikit, goalMs: 2000 }, "≤ 2,000 ms: NOT met"],
    ["no goal", ocikit, ""],
  ])("judges issue 5's goal %s", (_, row, want) => expect(formatRunGoal(row)).toBe(want));

  it("aligns the columns, numbers to the right, every round listed", () => {
    const lines = formatRunTable([ocikit, qemu]).split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^case +banner ms {2}ratio +goal +qemu up ms {2}1st byte ms {2}banner, each round$/,
    );
    expect(lines[1]).toMatch(
      /^ocikit run, tcg +12,600 {2}1\.05× qemu \(\+600 ms\) +900 +4,400 {2}12,600 \/ 12,000 \/ 13,200$/,
    );
    const end = (line: string, text: string) => line.indexOf(text) + text.length;
    expect(end(lines[2] ?? "", "12,000")).toBe(end(lines[0] ?? "", "banner ms"));
    expect(end(lines[2] ?? "", "3,600")).toBe(end(lines[0] ?? "", "1st byte ms"));
    expect(lines.every((line) => line === line.trimEnd())).toBe(true);
  });

  it("adds the qemu-up, power-down and exit columns only when they were measured", () => {
    const { qemuUpMs: _, ...noQemuUp } = ocikit;
    expect(formatRunTable([noQemuUp, qemu])).not.toContain("qemu up");
    const measured = { ...qemu, powerDownMs: [25_000, 24_000, 26_000], exitMs: [25_100, 24_100, 26_100] };
    expect(formatRunTable([ocikit, measured]).split("\n")[0]).toMatch(/ power down ms {2}exit ms$/);
    expect(formatRunTable([ocikit, measured]).split("\n")[2]).toMatch(/ 25,000 +25,100$/);
    expect(formatRunTable([ocikit, qemu])).not.toContain("power down");
  });
});
