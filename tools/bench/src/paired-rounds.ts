/**
 * Medians of benchmark rounds, and a case's time against its baseline's paired per round (the
 * machine is shared and noisy: a slow round slows both cases of it, so the per-round ratio is
 * steadier than the ratio of the medians). Pure: numbers in, numbers or text out.
 */

/** The median (the upper one of an even count); NaN for none. */
export function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** The median of the per-round ratios `a[i] / b[i]` (rounds without a pair are left out). */
export function medianRatio(a: readonly number[], b: readonly number[]): number {
  return medianOf(pairs(a, b).map(([x, y]) => x / y));
}

/** The median of the per-round differences `a[i] - b[i]`. */
export function medianDifference(a: readonly number[], b: readonly number[]): number {
  return medianOf(pairs(a, b).map(([x, y]) => x - y));
}

function pairs(a: readonly number[], b: readonly number[]): [number, number][] {
  return a.flatMap((x, i) => (b[i] === undefined ? [] : [[x, b[i]] as [number, number]]));
}

/** `12,346`; `—` for NaN (a round that measured nothing). */
export function formatMs(n: number): string {
  return Number.isNaN(n) ? "—" : Math.round(n).toLocaleString("en-US");
}

/** `1.04× qemu (+512 ms)`: `ms` to the baseline's, paired per round. */
export function formatPairedRatio(
  ms: readonly number[],
  baseline: { readonly label: string; readonly ms: readonly number[] },
): string {
  const ratio = medianRatio(ms, baseline.ms);
  const difference = medianDifference(ms, baseline.ms);
  const sign = difference < 0 ? "−" : "+";
  return `${ratio.toFixed(2)}× ${baseline.label} (${sign}${formatMs(Math.abs(difference))} ms)`;
}
