/**
 * How long the page waits before reconnecting its WebSocket: exponential backoff, capped, reset once a
 * connection delivers its `hello`. Pure, tested in test/page-reconnect-delay.test.ts.
 */

/** Backoff settings. */
export interface ReconnectDelayOptions {
  /** The wait after the first failure. Default: `RECONNECT_DEFAULTS.initialMs` (500). */
  readonly initialMs?: number;
  /** The longest wait. Default: `RECONNECT_DEFAULTS.maxMs` (8000). */
  readonly maxMs?: number;
}

/** Defaults of `ReconnectDelayOptions`. */
export const RECONNECT_DEFAULTS = { initialMs: 500, maxMs: 8000 } as const;

/** The wait before reconnection attempt `attempt` (1 for the first retry): initialMs · 2^(attempt−1), capped. */
export function reconnectDelayMs(attempt: number, options: ReconnectDelayOptions = {}): number {
  const opts = { ...RECONNECT_DEFAULTS, ...options };
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  return Math.min(opts.maxMs, opts.initialMs * 2 ** exponent);
}
