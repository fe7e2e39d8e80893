/**
 * The build benchmark's table: one row per case with its median wall time, peak RSS, the ratio to
 * its baseline and the goal from docs/performance.md that ratio is held to, and what it wrote (so
 * that the workloads are visibly comparable). Pure: numbers in, text out.
 */
import { formatTextTable } from "./text-table.js";

/** A goal of docs/performance.md: a ratio to a baseline, and optionally a memory ceiling. */
export interface BuildGoal {
  readonly maxRatio: number;
  /** What the goal's ratio is against, e.g. "LinuxKit" (shown; the measured baseline may differ). */
  readonly against: string;
  readonly maxRssMiB?: number;
}

/** One case of the table. */
export interface BuildTableRow {
  readonly label: string;
  readonly medianMs: number;
  readonly maxRssKiB: number;
  /** Median of the paired ratios to `baseline`'s runs. */
  readonly ratio?: { readonly value: number; readonly baseline: string };
  readonly goal?: BuildGoal;
  /** What the case wrote, e.g. "initrd 90.1 MB gz, 274.3 MB, 1,850 entries". */
  readonly output?: string;
}

const HEADINGS = ["case", "median ms", "peak RSS MiB", "ratio", "goal", "output"] as const;
// Numbers read better right-aligned.
const RIGHT = new Set([1, 2]);

/** `≤ 0.40× LinuxKit: NOT met; ≤ 150 MiB: met`, each part judged on the row's ratio or peak RSS. */
export function formatGoal(row: BuildTableRow): string {
  const { goal, ratio } = row;
  if (!goal) return "";
  const verdict = (met: boolean) => (met ? "met" : "NOT met");
  const parts = [
    `≤ ${goal.maxRatio.toFixed(2)}× ${goal.against}: ${verdict(ratio !== undefined && ratio.value <= goal.maxRatio)}`,
  ];
  if (goal.maxRssMiB !== undefined)
    parts.push(`≤ ${goal.maxRssMiB} MiB: ${verdict(row.maxRssKiB / 1024 <= goal.maxRssMiB)}`);
  return parts.join("; ");
}

/** The rows as an aligned text table with a heading line. */
export function formatBuildTable(rows: readonly BuildTableRow[]): string {
  return formatTextTable(
    [
      [...HEADINGS],
      ...rows.map((row) => [
        row.label,
        Math.round(row.medianMs).toLocaleString("en-US"),
        (row.maxRssKiB / 1024).toFixed(0),
        row.ratio ? `${row.ratio.value.toFixed(2)}× ${row.ratio.baseline}` : "",
        formatGoal(row),
        row.output ?? "",
      ]),
    ],
    { rightAligned: RIGHT },
  );
}

/** `90.1 MB`. */
export function formatMegabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
