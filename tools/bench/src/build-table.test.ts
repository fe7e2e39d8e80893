import { describe, expect, it } from "vitest";
import { editRatioLine } from "./build-bench.js";
import { type BuildTableRow, formatBuildTable, formatGoal } from "./build-table.js";

const first: BuildTableRow = {
  label: "ocikit kernel+initrd, first build",
  medianMs: 12_345.6,
  maxRssKiB: 140 * 1024,
  ratio: { value: 0.62, baseline: "cpio+gzip" },
  goal: { maxRatio: 0.4, against: "LinuxKit", maxRssMiB: 150 },
  output: "initrd 101.1 MB gz, 313.9 MB raw, 2,548 entries",
};

describe("build benchmark table", () => {
  it.each<[string, BuildTableRow, string]>([
    ["a ratio over the goal", first, "≤ 0.40× LinuxKit: NOT met; ≤ 150 MiB: met"],
    [
      "a ratio under it",
      { ...first, ratio: { value: 0.3, baseline: "x" } },
      "≤ 0.40× LinuxKit: met; ≤ 150 MiB: met",
    ],
    [
      "too much memory",
      { ...first, ratio: { value: 0.3, baseline: "x" }, maxRssKiB: 151 * 1024 },
      "≤ 0.40× LinuxKit: met; ≤ 150 MiB: NOT met",
    ],
    ["no memory ceiling", { ...first, goal: { maxRatio: 1, against: "GNU tar" } }, "≤ 1.00× GNU tar: met"],
    [
      "a ratio just over 1",
      { ...first, ratio: { value: 1.01, baseline: "x" }, goal: { maxRatio: 1, against: "GNU tar" } },
      "≤ 1.00× GNU tar: NOT met",
    ],
    ["no ratio measured", { ...first, ratio: undefined }, "≤ 0.40× LinuxKit: NOT met; ≤ 150 MiB: met"],
    ["no goal", { ...first, goal: undefined }, ""],
  ])("judges %s", (_, row, want) => expect(formatGoal(row)).toBe(want));

  it("aligns the columns, numbers to the right", () => {
    const baseline: BuildTableRow = { label: "GNU untar + tar -cf", medianMs: 7_001, maxRssKiB: 3 * 1024 };
    const lines = formatBuildTable([first, baseline]).split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^case +median ms {2}peak RSS MiB {2}ratio +goal +output$/);
    expect(lines[1]).toContain("12,346           140  0.62× cpio+gzip  ≤ 0.40× LinuxKit");
    const end = (line: string, text: string) => line.indexOf(text) + text.length;
    expect(end(lines[2] ?? "", "7,001")).toBe(end(lines[0] ?? "", "median ms"));
    expect(end(lines[2] ?? "", " 3")).toBe(end(lines[0] ?? "", "peak RSS MiB"));
    expect(lines[2]).toBe(lines[2]?.trimEnd());
  });
});

describe("editRatioLine", () => {
  it("judges issue 4's goal: an edited rebuild within a tenth of the first build", () => {
    expect(editRatioLine(0.064)).toBe("  one file edited ÷ first build: 0.06× (issue 4: ≤ 0.10×: met)");
    expect(editRatioLine(0.15)).toBe("  one file edited ÷ first build: 0.15× (issue 4: ≤ 0.10×: NOT met)");
  });
});
