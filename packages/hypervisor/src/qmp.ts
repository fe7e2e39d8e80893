/**
 * A minimal QMP client (the QEMU Machine Protocol, docs/interop/qmp-spec.rst in qemu's tree) over a
 * unix socket: connect, retrying while qemu has not created the socket yet; read the greeting;
 * negotiate with `qmp_capabilities`; then `execute` commands, each answered by its `return` or
 * `error`, while asynchronous events (SHUTDOWN, POWERDOWN, RESET, …) are collected and passed to
 * listeners. Messages are JSON objects, one per line (qemu ends them with CRLF).
 *
 * Left out: out-of-band execution, file-descriptor passing, TCP sockets.
 */
import { createConnection, type Socket } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { HypervisorError } from "./errors.js";
import { formatSeconds } from "./format-seconds.js";

/** An asynchronous QMP event, e.g. `{ event: "SHUTDOWN", data: { guest: true, reason: "guest-shutdown" } }`. */
export interface QmpEvent {
  readonly event: string;
  readonly data?: Readonly<Record<string, unknown>>;
  readonly timestamp?: { readonly seconds: number; readonly microseconds: number };
}

/** What qemu says when a client connects. */
export interface QmpGreeting {
  /** e.g. `{ qemu: { major: 7, minor: 2, micro: 22 }, package: "Debian 1:7.2+dfsg-7" }`. */
  readonly version: {
    readonly qemu: { readonly major: number; readonly minor: number; readonly micro: number };
    readonly package: string;
  };
  readonly capabilities: readonly string[];
}

/** Options of {@link connectQmp}. */
export interface QmpConnectOptions {
  /** How long to keep trying while the socket is missing or refuses; default QMP_DEFAULTS.connectTimeoutMs. */
  readonly timeoutMs?: number;
  /** The pause between attempts; default QMP_DEFAULTS.retryMs. */
  readonly retryMs?: number;
  /** Receives each event as it comes (they are also kept in `events`). */
  readonly onEvent?: (event: QmpEvent) => void;
  /** Stops the attempts (the connect rejects with the signal's reason). */
  readonly signal?: AbortSignal;
}

/** Defaults of {@link QmpConnectOptions}. */
export const QMP_DEFAULTS = {
  connectTimeoutMs: 5000,
  retryMs: 25,
  /** How many events `events` keeps (the latest). */
  keptEvents: 1000,
} as const;

/** A negotiated QMP connection. */
export interface QmpClient {
  readonly greeting: QmpGreeting;
  /** The events received so far (the last QMP_DEFAULTS.keptEvents). */
  readonly events: readonly QmpEvent[];
  /**
   * Runs a command and resolves with its `return` value.
   * @throws {HypervisorError} HV_QEMU_FAILED when qemu answers with an error (its `desc`) or the connection closes first
   */
  execute(command: string, args?: Readonly<Record<string, unknown>>): Promise<unknown>;
  /** Calls `listener` with each later event; returns a function that stops it. */
  onEvent(listener: (event: QmpEvent) => void): () => void;
  /** Whether the connection has closed (qemu exited, or `close()`). */
  readonly isClosed: boolean;
  /** Resolves when the connection has closed. */
  readonly closed: Promise<void>;
  /** Closes the connection; commands still waiting are rejected. */
  close(): void;
}

interface Pending {
  readonly command: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

/** Errors that mean "qemu has not created or opened the socket yet": worth another try. */
const RETRYABLE = new Set(["ENOENT", "ECONNREFUSED", "EAGAIN"]);

/**
 * Connects to qemu's QMP socket (`-qmp unix:PATH,server=on,wait=off`), retrying until it appears,
 * and negotiates capabilities.
 * @throws {HypervisorError} HV_QEMU_FAILED when nothing answers on `socketPath` within the timeout, or the greeting is not QMP's
 * @example
 * ```ts
 * const qmp = await connectQmp("/run/vm/qmp.sock", { onEvent: (e) => console.log(e.event) });
 * console.log(await qmp.execute("query-status")); // { status: "running", running: true, … }
 * await qmp.execute("system_powerdown");
 * ```
 */
export async function connectQmp(socketPath: string, options: QmpConnectOptions = {}): Promise<QmpClient> {
  const timeoutMs = options.timeoutMs ?? QMP_DEFAULTS.connectTimeoutMs;
  const retryMs = options.retryMs ?? QMP_DEFAULTS.retryMs;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const socket = await openSocket(socketPath);
      return await negotiate(socket, socketPath, options.onEvent);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (!code || !RETRYABLE.has(code)) throw error;
      if (performance.now() >= deadline)
        throw new HypervisorError(
          "HV_QEMU_FAILED",
          `qmp ${socketPath}: no qemu answered within ${formatSeconds(timeoutMs)} (${code}); is qemu running with -qmp unix:${socketPath},server=on,wait=off?`,
          { cause: error },
        );
      // timers/promises rejects with a generic AbortError; callers expect the signal's reason.
      await delay(retryMs).then(() => options.signal?.throwIfAborted());
    }
  }
}

function openSocket(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ path });
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

/** Reads the greeting, sends `qmp_capabilities` and returns the client. */
async function negotiate(
  socket: Socket,
  socketPath: string,
  onEventOption: ((event: QmpEvent) => void) | undefined,
): Promise<QmpClient> {
  socket.setEncoding("utf8");
  const events: QmpEvent[] = [];
  const listeners = new Set<(event: QmpEvent) => void>();
  if (onEventOption) listeners.add(onEventOption);
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let partial = "";
  let isClosed = false;
  let greet: { resolve: (g: QmpGreeting) => void; reject: (e: Error) => void } | undefined;
  const greeting = new Promise<QmpGreeting>((resolve, reject) => {
    greet = { resolve, reject };
  });

  const fail = (error: Error) => {
    greet?.reject(error);
    greet = undefined;
    for (const waiting of pending.values()) waiting.reject(error);
    pending.clear();
  };
  const onMessage = (message: Record<string, unknown>) => {
    if ("QMP" in message) {
      greet?.resolve(message.QMP as QmpGreeting);
      greet = undefined;
    } else if ("event" in message) {
      const event = message as unknown as QmpEvent;
      events.push(event);
      if (events.length > QMP_DEFAULTS.keptEvents) events.shift();
      for (const listener of [...listeners]) listener(event);
    } else if ("return" in message || "error" in message) {
      // Replies carry the id we sent; qemu omits it only when it could not parse the command,
      // and commands are answered in order, so the oldest one waiting is the one.
      const id = typeof message.id === "number" ? message.id : pending.keys().next().value;
      const waiting = id === undefined ? undefined : pending.get(id);
      if (!waiting || id === undefined) return;
      pending.delete(id);
      if ("return" in message) waiting.resolve(message.return);
      else {
        const error = message.error as { class?: string; desc?: string };
        waiting.reject(
          new HypervisorError(
            "HV_QEMU_FAILED",
            `qmp ${waiting.command}: ${error.desc ?? "failed"} (${error.class ?? "GenericError"})`,
          ),
        );
      }
    }
  };
  socket.on("data", (chunk: string) => {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.trim()) continue;
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch (cause) {
        fail(
          new HypervisorError(
            "HV_QEMU_FAILED",
            `qmp ${socketPath}: not a QMP message: ${line.slice(0, 200)}`,
            {
              cause,
            },
          ),
        );
        socket.destroy();
        return;
      }
      if (message && typeof message === "object") onMessage(message as Record<string, unknown>);
    }
  });
  const closed = new Promise<void>((resolve) => {
    socket.once("close", () => {
      isClosed = true;
      fail(new HypervisorError("HV_QEMU_FAILED", `qmp ${socketPath}: qemu closed the connection`));
      listeners.clear();
      resolve();
    });
  });
  // An error is followed by "close", which rejects whatever waits; nothing more to do here.
  socket.on("error", () => {});

  const execute = (command: string, args?: Readonly<Record<string, unknown>>): Promise<unknown> => {
    if (isClosed)
      return Promise.reject(
        new HypervisorError("HV_QEMU_FAILED", `qmp ${command}: the connection to qemu is closed`),
      );
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { command, resolve, reject });
      socket.write(`${JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}), id })}\n`);
    });
  };

  let greetingValue: QmpGreeting;
  try {
    greetingValue = await greeting;
    await execute("qmp_capabilities");
  } catch (error) {
    socket.destroy();
    throw error;
  }
  return {
    greeting: greetingValue,
    events,
    execute,
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get isClosed() {
      return isClosed;
    },
    closed,
    close() {
      socket.destroy();
    },
  };
}
