/**
 * The ISO benchmark's table (issue 6): per case, the median wall time of the rounds, the largest
 * peak RSS, the ratio to xorriso (the median of the per-round ratios, and of the per-round
 * differences), the goal of docs/performance.md ("at least xorriso's throughput": ≤ 1.00×), every
 * round's time and the ISO it wrote; and the line saying where ocikit's median run spent its time.
 * Pure: numbers in, text out.
 */
import { formatMs, formatPairedRatio, medianOf, medianRatio } from "./paired-rounds.js";
import { formatTextTable } from "./text-table.js";

/** One case: a program writing the ISO of the same tree, timed once per round. */
export interface IsoTableRow {
  readonly label: string;
  /** Per round: wall ms of the whole program. */
  readonly ms: readonly number[];
  /** Per round: peak RSS of its largest process, KiB. */
  readonly maxRssKiB: readonly number[];
  /** The baseline run in the same rounds, paired with this row's by index. */
  readonly baseline?: { readonly label: string; readonly ms: readonly number[] };
  /** The goal: at most this ratio to the baseline. */
  readonly maxRatio?: number;
  /** What the case wrote, e.g. "ISO 325.5 MB". */
  readonly output?: string;
}

/** Where one run of the ocikit worker spent its time, ms (the worker's own clock). */
export interface IsoWorkerPhases {
  /** From the process's start to the worker's first line: Node's start-up and loading the packages. */
  readonly startupMs: number;
  /** readTar over the tar, headers kept, bodies skipped (read through: a stream cannot seek). */
  readonly headersMs: number;
  readonly planMs: number;
  /** readTar over the tar again, writeIso, written to the file. */
  readonly writeMs: number;
  readonly entries: number;
}

/** `3.81× xorriso (+3,412 ms)`: the row's time to its baseline's, paired per round. */
export function formatIsoRatio(row: IsoTableRow): string {
  return row.baseline ? formatPairedRatio(row.ms, row.baseline) : "";
}

/** `≤ 1.00× xorriso: NOT met`, judged on the paired ratio. */
export function formatIsoGoal(row: IsoTableRow): string {
  if (row.maxRatio === undefined || !row.baseline) return "";
  const met = medianRatio(row.ms, row.baseline.ms) <= row.maxRatio;
  return `≤ ${row.maxRatio.toFixed(2)}× ${row.baseline.label}: ${met ? "met" : "NOT met"}`;
}

const HEADINGS = ["case", "median ms", "peak RSS MiB", "ratio", "goal", "each round ms", "output"];
// Numbers read better right-aligned.
const RIGHT = new Set([1, 2]);

/** The rows as an aligned text table with a heading line. */
export function formatIsoTable(rows: readonly IsoTableRow[]): string {
  return formatTextTable(
    [
      HEADINGS,
      ...rows.map((row) => [
        row.label,
        formatMs(medianOf(row.ms)),
        (Math.max(...row.maxRssKiB) / 1024).toFixed(0),
        formatIsoRatio(row),
        formatIsoGoal(row),
        row.ms.map(formatMs).join(" / "),
        row.output ?? "",
      ]),
    ],
    { rightAligned: RIGHT },
  );
}

/**
 * `ocikit, median run (4,712 ms wall): start-up 180 ms, headers pass 1,400 ms, planIso 700 ms,
 * write pass 2,400 ms, exit 32 ms; 2,550 entries` (exit: the wall time after the worker's last mark).
 */
export function formatIsoPhases(wallMs: number, phases: IsoWorkerPhases): string {
  const rest = wallMs - phases.startupMs - phases.headersMs - phases.planMs - phases.writeMs;
  return [
    `ocikit, median run (${formatMs(wallMs)} ms wall): start-up ${formatMs(phases.startupMs)} ms`,
    `headers pass ${formatMs(phases.headersMs)} ms`,
    `planIso ${formatMs(phases.planMs)} ms`,
    `write pass ${formatMs(phases.writeMs)} ms`,
    `exit ${formatMs(rest)} ms; ${phases.entries.toLocaleString("en-US")} entries`,
  ].join(", ");
}

/**
 * What the gap is made of: `gapMs` (the median of the per-round differences, as in the ratio
 * column), then, from ocikit's median run, its write pass alone against xorriso's median run, and
 * what comes before the write pass (the headers pass, planIso, start-up).
 */
export function formatIsoGap(gapMs: number, xorrisoMs: number, phases: IsoWorkerPhases): string {
  if (!(gapMs > 0)) return `no gap: ocikit takes ${formatMs(Math.abs(gapMs))} ms less than xorriso`;
  const before = phases.startupMs + phases.headersMs + phases.planMs;
  return [
    `gap: +${formatMs(gapMs)} ms. ocikit's write pass alone (readTar, writeIso, writeFile) takes ${(phases.writeMs / xorrisoMs).toFixed(2)}× xorriso's whole run;`,
    `  before it, ${formatMs(before)} ms: the headers pass reads the whole tar to skip its bodies (${formatMs(phases.headersMs)} ms; xorriso's first pass only stat()s), planIso ${formatMs(phases.planMs)} ms, start-up ${formatMs(phases.startupMs)} ms`,
  ].join("\n");
}

const LISTED = 5;

/** `the same 2,526 paths`, or which paths only one of the two ISOs holds (the first few of each). */
export function formatListingComparison(ocikit: readonly string[], xorriso: readonly string[]): string {
  const theirs = new Set(xorriso);
  const ours = new Set(ocikit);
  const onlyOurs = [...ours].filter((path) => !theirs.has(path));
  const onlyTheirs = [...theirs].filter((path) => !ours.has(path));
  const both = ours.size - onlyOurs.length;
  const count = (n: number) => `${n.toLocaleString("en-US")} path${n === 1 ? "" : "s"}`;
  if (onlyOurs.length === 0 && onlyTheirs.length === 0) return `the same ${count(both)}`;
  const list = (paths: readonly string[]) =>
    paths.slice(0, LISTED).join(", ") + (paths.length > LISTED ? ` and ${paths.length - LISTED} more` : "");
  return [
    `${count(both)} in both`,
    ...(onlyOurs.length > 0 ? [`only in ocikit's: ${list(onlyOurs)}`] : []),
    ...(onlyTheirs.length > 0 ? [`only in xorriso's: ${list(onlyTheirs)}`] : []),
  ].join("; ");
}
