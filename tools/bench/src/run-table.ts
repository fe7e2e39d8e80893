/**
 * The `ocikit run` benchmark's table (issue 5): per case, the median time from the program's start
 * to the init's banner, its ratio to the plain-qemu baseline (the median of the per-round ratios,
 * and of the per-round differences: ocikit's own overhead in ms), issue 5's goal, for ocikit the
 * time until qemu was up, the time to the first console byte, every round's time, and, when
 * measured, the times to the guest's power-down and the program's exit. Pure: numbers in, text out.
 */
import { formatMs, formatPairedRatio, medianOf } from "./paired-rounds.js";
import { formatTextTable } from "./text-table.js";

/** One case: a program booting the same image under one accelerator, timed once per round. */
export interface RunTableRow {
  readonly label: string;
  /** Per round: ms from starting the program to the banner on the console. */
  readonly bannerMs: readonly number[];
  /** Per round: ms to the first byte on the console. */
  readonly firstOutputMs: readonly number[];
  /** Per round, for ocikit: ms to its "booting" line, printed once qemu has started. */
  readonly qemuUpMs?: readonly number[];
  /** Per round, when measured: ms to `reboot: Power down` on the console. */
  readonly powerDownMs?: readonly number[];
  /** Per round, when measured: ms to the program's exit after the guest powered off. */
  readonly exitMs?: readonly number[];
  /** The baseline run in the same rounds, paired with this row's by index. */
  readonly baseline?: { readonly label: string; readonly bannerMs: readonly number[] };
  /** Issue 5's goal: the banner within this many ms. */
  readonly goalMs?: number;
}

/** `1.04× qemu (+512 ms)`: the row's banner time to its baseline's, paired per round. */
export function formatRunRatio(row: RunTableRow): string {
  if (!row.baseline) return "";
  return formatPairedRatio(row.bannerMs, { label: row.baseline.label, ms: row.baseline.bannerMs });
}

/** `≤ 2,000 ms: NOT met`, judged on the median banner time. */
export function formatRunGoal(row: RunTableRow): string {
  if (row.goalMs === undefined) return "";
  return `≤ ${formatMs(row.goalMs)} ms: ${medianOf(row.bannerMs) <= row.goalMs ? "met" : "NOT met"}`;
}

interface Column {
  readonly heading: string;
  readonly right?: boolean;
  /** Shown only when some row has this: only ocikit says when qemu is up, and power-downs are optional. */
  readonly onlyWith?: "qemuUpMs" | "powerDownMs" | "exitMs";
  cell(row: RunTableRow): string;
}

const perRound = (values: readonly number[]) => values.map(formatMs).join(" / ");

const optionalMedian = (values: readonly number[] | undefined) => (values ? formatMs(medianOf(values)) : "");

const COLUMNS: readonly Column[] = [
  { heading: "case", cell: (row) => row.label },
  { heading: "banner ms", right: true, cell: (row) => formatMs(medianOf(row.bannerMs)) },
  { heading: "ratio", cell: formatRunRatio },
  { heading: "goal", cell: formatRunGoal },
  {
    heading: "qemu up ms",
    right: true,
    onlyWith: "qemuUpMs",
    cell: (row) => optionalMedian(row.qemuUpMs),
  },
  { heading: "1st byte ms", right: true, cell: (row) => formatMs(medianOf(row.firstOutputMs)) },
  { heading: "banner, each round", cell: (row) => perRound(row.bannerMs) },
  {
    heading: "power down ms",
    right: true,
    onlyWith: "powerDownMs",
    cell: (row) => optionalMedian(row.powerDownMs),
  },
  { heading: "exit ms", right: true, onlyWith: "exitMs", cell: (row) => optionalMedian(row.exitMs) },
];

/** The rows as an aligned text table with a heading line; times are medians unless said otherwise. */
export function formatRunTable(rows: readonly RunTableRow[]): string {
  const columns = COLUMNS.filter(
    ({ onlyWith }) => onlyWith === undefined || rows.some((row) => row[onlyWith] !== undefined),
  );
  return formatTextTable(
    [columns.map((c) => c.heading), ...rows.map((row) => columns.map((c) => c.cell(row)))],
    { rightAligned: new Set(columns.flatMap((c, i) => (c.right ? [i] : []))) },
  );
}
