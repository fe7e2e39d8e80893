/**
 * A VM's serial console as a stream other code can share: the bytes qemu prints (its stdout, where
 * the argv puts the serial port) go to subscribers as they come and into a bounded buffer that
 * late subscribers can replay; the text so far is kept (bounded) for `text()`, `tail()` and
 * `waitFor()`, which matches complete lines; `write()` types into the guest (qemu's stdin).
 *
 * Left out: terminal emulation (escape sequences pass through as bytes and stay in the text),
 * matching a prompt that ends without a newline (a line counts once it is complete, or when the
 * console ends), and back-pressure: a slow subscriber or iterator gets every chunk, queued.
 */
import { HypervisorError } from "./errors.js";
import { formatSeconds } from "./format-seconds.js";

/** A complete console line and when it arrived. */
export interface ConsoleLine {
  /** The line without its end (`\n`; carriage returns are removed). */
  readonly line: string;
  /** Milliseconds after qemu was started. */
  readonly atMs: number;
}

/** Options of {@link VmConsole.waitFor}. */
export interface WaitForOptions {
  /** Give up (HV_TIMEOUT) after this long; absent: wait until the VM ends. */
  readonly timeoutMs?: number;
  /** Stop waiting (rejects with the signal's reason). */
  readonly signal?: AbortSignal;
}

/** Options of {@link VmConsole.subscribe} and {@link VmConsole.chunks}. */
export interface SubscribeOptions {
  /** First deliver what the console printed so far (its last CONSOLE_DEFAULTS.keptBytes); default false. */
  readonly replay?: boolean;
}

/** The serial console of a running (or ended) VM. */
export interface VmConsole {
  /**
   * Calls `listener` with each chunk of console output as it comes (raw bytes, as qemu wrote
   * them); returns a function that stops it. Listeners must not throw.
   */
  subscribe(listener: (chunk: Uint8Array) => void, options?: SubscribeOptions): () => void;
  /** The console's chunks as an async iterable that ends when the VM ends; `break` unsubscribes. */
  chunks(options?: SubscribeOptions): AsyncIterable<Uint8Array>;
  /** Types into the guest (qemu's stdin, the serial port's input); ignored once the VM has ended. */
  write(input: Uint8Array | string): void;
  /** The console so far as text, carriage returns removed (its last CONSOLE_DEFAULTS.keptChars). */
  text(): string;
  /** The last `chars` characters of `text()` (default CONSOLE_DEFAULTS.tailChars). */
  tail(chars?: number): string;
  /**
   * Resolves with the first complete line matching `pattern` (lines already printed count).
   * @throws {HypervisorError} HV_TIMEOUT when `timeoutMs` passes first, or the VM ends first (the message says how, and has the console's tail)
   */
  waitFor(pattern: RegExp, options?: WaitForOptions): Promise<ConsoleLine>;
  /** Whether the VM has ended (no more output will come). */
  readonly isEnded: boolean;
}

/** Bounds of a {@link VmConsole}. */
export const CONSOLE_DEFAULTS = {
  /** Bytes kept for `subscribe({ replay: true })`. */
  keptBytes: 1 << 20,
  /** Characters kept for `text()` and for `waitFor` over lines already printed. */
  keptChars: 1 << 20,
  /** `tail()`'s default, and how much of the console an HV_TIMEOUT message quotes. */
  tailChars: 3000,
} as const;

/** What {@link createVmConsole} needs from the VM it belongs to. */
export interface VmConsoleSource {
  /** Sends typed input to the guest. */
  readonly write: (bytes: Uint8Array) => void;
  /** Milliseconds since qemu started. */
  readonly elapsedMs: () => number;
  /** Called with each complete line, after it is recorded. */
  readonly onLine?: (line: ConsoleLine) => void;
  /** Bounds; default CONSOLE_DEFAULTS. */
  readonly keptBytes?: number;
  readonly keptChars?: number;
}

/** The console, and the feeding end kept by the VM launcher. */
export interface VmConsoleFeed {
  readonly console: VmConsole;
  /** Records output from qemu. */
  push(chunk: Uint8Array): void;
  /** The VM has ended (`how` is its summary): the last partial line completes, waiters are rejected. */
  end(how: string): void;
}

interface Waiter {
  readonly pattern: RegExp;
  readonly resolve: (line: ConsoleLine) => void;
  readonly reject: (error: Error) => void;
}

/** Makes a console fed by the launcher (vm.ts); callers see only the {@link VmConsole} side. */
export function createVmConsole(source: VmConsoleSource): VmConsoleFeed {
  const keptBytes = source.keptBytes ?? CONSOLE_DEFAULTS.keptBytes;
  const keptChars = source.keptChars ?? CONSOLE_DEFAULTS.keptChars;
  const decoder = new TextDecoder("utf-8");
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [];
  let chunkBytes = 0;
  const lines: ConsoleLine[] = [];
  let lineChars = 0;
  let partial = "";
  let endedHow: string | undefined;
  const listeners = new Set<(chunk: Uint8Array) => void>();
  const endListeners = new Set<() => void>();
  const waiters = new Set<Waiter>();

  const text = () => {
    const body = lines.map((kept) => `${kept.line}\n`).join("");
    return body + partial;
  };
  const tail = (chars: number = CONSOLE_DEFAULTS.tailChars) => text().slice(-chars);

  const keepLine = (line: string) => {
    const kept = { line, atMs: source.elapsedMs() };
    lines.push(kept);
    lineChars += line.length + 1;
    while (lineChars > keptChars && lines.length > 1) lineChars -= (lines.shift()?.line.length ?? 0) + 1;
    source.onLine?.(kept);
    for (const waiter of [...waiters]) {
      if (!waiter.pattern.test(line)) continue;
      waiters.delete(waiter);
      waiter.resolve(kept);
    }
  };

  const keepChunk = (chunk: Uint8Array) => {
    chunks.push(chunk);
    chunkBytes += chunk.byteLength;
    while (chunkBytes > keptBytes && chunks.length > 1) chunkBytes -= chunks.shift()?.byteLength ?? 0;
    if (chunkBytes > keptBytes) {
      // One chunk larger than the whole buffer: keep its end.
      const only = chunks[0]!;
      chunks[0] = only.subarray(only.byteLength - keptBytes);
      chunkBytes = keptBytes;
    }
  };

  const subscribe = (listener: (chunk: Uint8Array) => void, options: SubscribeOptions = {}) => {
    if (options.replay) for (const chunk of [...chunks]) listener(chunk);
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  };

  async function* iterate(options: SubscribeOptions = {}): AsyncGenerator<Uint8Array> {
    const queue: Uint8Array[] = [];
    let wake: (() => void) | undefined;
    const onEnd = () => wake?.();
    const unsubscribe = subscribe((chunk) => {
      queue.push(chunk);
      wake?.();
    }, options);
    endListeners.add(onEnd);
    try {
      for (;;) {
        while (queue.length > 0) yield queue.shift()!;
        if (endedHow !== undefined) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      unsubscribe();
      endListeners.delete(onEnd);
    }
  }

  const waitFor = (pattern: RegExp, options: WaitForOptions = {}): Promise<ConsoleLine> => {
    // A /g or /y RegExp remembers lastIndex between tests; matching must not depend on history.
    const matcher = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ""));
    const seen = lines.find((kept) => matcher.test(kept.line));
    if (seen) return Promise.resolve(seen);
    if (endedHow !== undefined) return Promise.reject(endedError(pattern, endedHow, tail()));
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => settle(() => reject(options.signal?.reason));
      const settle = (then: () => void) => {
        waiters.delete(waiter);
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
        then();
      };
      const waiter: Waiter = {
        pattern: matcher,
        resolve: (line) => settle(() => resolve(line)),
        reject: (error) => settle(() => reject(error)),
      };
      waiters.add(waiter);
      options.signal?.addEventListener("abort", onAbort, { once: true });
      const { timeoutMs } = options;
      if (timeoutMs !== undefined)
        timer = setTimeout(
          () =>
            waiter.reject(
              new HypervisorError(
                "HV_TIMEOUT",
                `console: no line matched ${pattern} within ${formatSeconds(timeoutMs)}; the console's last lines:\n${tail()}`,
              ),
            ),
          timeoutMs,
        );
    });
  };

  const vmConsole: VmConsole = {
    subscribe,
    chunks: (options) => ({ [Symbol.asyncIterator]: () => iterate(options) }),
    write(input) {
      if (endedHow !== undefined) return;
      source.write(typeof input === "string" ? encoder.encode(input) : input);
    },
    text,
    tail,
    waitFor,
    get isEnded() {
      return endedHow !== undefined;
    },
  };

  return {
    console: vmConsole,
    push(chunk) {
      if (endedHow !== undefined) return;
      keepChunk(chunk);
      for (const listener of [...listeners]) listener(chunk);
      const parts = (partial + decoder.decode(chunk, { stream: true }).replaceAll("\r", "")).split("\n");
      partial = parts.pop() ?? "";
      if (partial.length > keptChars) partial = partial.slice(-keptChars);
      for (const line of parts) keepLine(line);
    },
    end(how) {
      if (endedHow !== undefined) return;
      partial += decoder.decode().replaceAll("\r", "");
      if (partial) {
        const last = partial;
        partial = "";
        keepLine(last);
      }
      endedHow = how;
      for (const waiter of [...waiters]) waiter.reject(endedError(waiter.pattern, how, tail()));
      for (const onEnd of [...endListeners]) onEnd();
      listeners.clear();
    },
  };
}

function endedError(pattern: RegExp, how: string, tail: string): HypervisorError {
  return new HypervisorError(
    "HV_TIMEOUT",
    `console: ${how} before a line matched ${pattern}; the console's last lines:\n${tail}`,
  );
}
