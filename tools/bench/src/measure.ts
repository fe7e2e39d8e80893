/** Timing helpers: warm up, run several times, report the median (the machine is shared and noisy). */

export interface Measurement {
  readonly medianMs: number;
  readonly minMs: number;
  readonly runs: number;
}

/** Runs `fn` `warmup` times untimed, then `runs` times timed; returns the median and minimum. */
export async function measure(
  fn: () => unknown,
  options: { runs?: number; warmup?: number } = {},
): Promise<Measurement> {
  const runs = options.runs ?? 9;
  for (let i = 0; i < (options.warmup ?? 2); i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(times.length / 2)] ?? 0, minMs: times[0] ?? 0, runs };
}

/** `12.3 ms`. */
export function ms(value: number): string {
  return `${value.toFixed(1)} ms`;
}
