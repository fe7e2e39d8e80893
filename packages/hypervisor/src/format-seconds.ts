/** Durations as people read them in messages and summaries. */

/** "5 s", "0.3 s", "9.8 s": milliseconds as seconds with at most one decimal. */
export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
