/**
 * The dev server's in-memory state and fan-out: the loop publishes `ServerMessage`s, the hub keeps
 * what a fresh page needs (the `hello` snapshot) and sends each message to every connected page;
 * pages' `ClientMessage`s are validated and handed to the loop. No sockets here: a connection is a
 * `send(text)` function, so this is testable without a network (`server.ts` wires it to WebSockets).
 */
import type { BuildEvent } from "@ocikit/build";
import type { BuildRecord, ClientMessage, ImageSummary, ServerMessage, VmState } from "./protocol.js";

/** Options of `new DevHub()`. */
export interface DevHubOptions {
  /** The configuration files the loop watches, for the page. Default: none (see `setFiles`). */
  readonly files?: readonly string[];
  /** How many builds the history keeps. Default: `DEV_HUB_DEFAULTS.historyLimit` (20). */
  readonly historyLimit?: number;
  /** How many console bytes the snapshot keeps. Default: `DEV_HUB_DEFAULTS.consoleLimitBytes` (256 KiB). */
  readonly consoleLimitBytes?: number;
  /** How many events of the newest build the snapshot keeps. Default: `DEV_HUB_DEFAULTS.eventLimit`. */
  readonly eventLimit?: number;
}

/** Defaults of `DevHubOptions`. */
export const DEV_HUB_DEFAULTS = {
  historyLimit: 20,
  consoleLimitBytes: 256 * 1024,
  eventLimit: 5000,
} as const;

/** The `hello` message: everything a fresh page needs. */
export type HelloMessage = Extract<ServerMessage, { type: "hello" }>;

/** One page connected to the hub. */
export interface DevHubConnection {
  /** Hands a text frame from the page to the hub; malformed or unknown messages are ignored. */
  receive(text: string): void;
  /** Stops sending to this page. Idempotent. */
  disconnect(): void;
}

const CLIENT_MESSAGE_TYPES = new Set<string>(["input", "rebuild", "reboot", "stop"]);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Parses one text frame from the page into a `ClientMessage`, or `undefined` if it is not one (bad
 * JSON, unknown `type`, `input` without base64 `data`). A page is untrusted input; a bad frame is
 * dropped rather than failing the connection.
 */
export function parseClientMessage(text: string): ClientMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Not JSON: not a message of ours; ignoring it is the documented behaviour.
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const type = (value as { type?: unknown }).type;
  if (typeof type !== "string" || !CLIENT_MESSAGE_TYPES.has(type)) return undefined;
  if (type === "input") {
    const data = (value as { data?: unknown }).data;
    if (typeof data !== "string" || data.length % 4 !== 0 || !BASE64.test(data)) return undefined;
    return { type, data };
  }
  return { type } as ClientMessage;
}

/**
 * The state and fan-out between the dev loop and its pages.
 *
 * @example
 * const hub = new DevHub({ files: ["linuxkit.yml"] });
 * const conn = hub.connect((text) => socket.send(text));   // sends `hello` at once
 * hub.onClientMessage((m) => { if (m.type === "rebuild") loop.rebuild(); });
 * hub.publish({ type: "console", data: Buffer.from("login: ").toString("base64") });
 */
export class DevHub {
  readonly #historyLimit: number;
  readonly #consoleLimitBytes: number;
  readonly #eventLimit: number;
  readonly #senders = new Set<(text: string) => void>();
  readonly #handlers = new Set<(message: ClientMessage) => void>();
  #files: readonly string[];
  #history: BuildRecord[] = [];
  #vm: VmState = { state: "none" };
  #image: ImageSummary | undefined;
  /** The newest build's events; `blobAt` indexes its pull progress by blob digest. */
  #events: { buildId: number; events: BuildEvent[]; blobAt: Map<string, number> } | undefined;
  #consoleChunks: Uint8Array[] = [];
  #consoleBytes = 0;

  constructor(options: DevHubOptions = {}) {
    const opts = { ...DEV_HUB_DEFAULTS, ...options };
    this.#historyLimit = opts.historyLimit;
    this.#consoleLimitBytes = opts.consoleLimitBytes;
    this.#eventLimit = opts.eventLimit;
    this.#files = [...(options.files ?? [])];
  }

  /** How many pages are connected. */
  get connections(): number {
    return this.#senders.size;
  }

  /**
   * The snapshot a page gets first: files, the last builds (oldest first), VM state, console tail,
   * and what the last successful build made.
   */
  hello(): HelloMessage {
    return {
      type: "hello",
      files: [...this.#files],
      history: [...this.#history],
      vm: this.#vm,
      console: Buffer.concat(this.#consoleChunks).toString("base64"),
      ...(this.#image ? { image: this.#image } : {}),
      ...(this.#events
        ? { events: { buildId: this.#events.buildId, events: [...this.#events.events] } }
        : {}),
    };
  }

  /** Sets the configuration files shown to pages from now on (pages see them on their next `hello`). */
  setFiles(files: readonly string[]): void {
    this.#files = [...files];
  }

  /** Records `message` in the snapshot and sends it to every connected page. */
  publish(message: ServerMessage): void {
    this.#record(message);
    const text = JSON.stringify(message);
    for (const send of this.#senders) send(text);
  }

  /** Registers a handler of the pages' valid messages; returns a function that unregisters it. */
  onClientMessage(handler: (message: ClientMessage) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  /** Connects a page: sends it `hello` now, then every published message, until `disconnect()`. */
  connect(send: (text: string) => void): DevHubConnection {
    // A wrapper per connection, so that one function connected twice counts as two pages.
    const sender = (text: string) => send(text);
    this.#senders.add(sender);
    send(JSON.stringify(this.hello()));
    return {
      receive: (text) => {
        if (!this.#senders.has(sender)) return;
        const message = parseClientMessage(text);
        if (message === undefined) return;
        for (const handler of this.#handlers) handler(message);
      },
      disconnect: () => {
        this.#senders.delete(sender);
      },
    };
  }

  #record(message: ServerMessage): void {
    switch (message.type) {
      case "hello":
        this.#files = [...message.files];
        this.#history = message.history.slice(-this.#historyLimit);
        this.#vm = message.vm;
        this.#consoleChunks = [];
        this.#consoleBytes = 0;
        this.#appendConsole(Buffer.from(message.console, "base64"));
        this.#image = message.image;
        this.#events = undefined;
        for (const event of message.events?.events ?? [])
          this.#recordEvent(message.events?.buildId ?? 0, event);
        return;
      case "image":
        this.#image = message.image;
        return;
      case "build":
        this.#upsertBuild(message.build);
        return;
      case "vm":
        this.#vm = message.vm;
        return;
      case "console":
        this.#appendConsole(Buffer.from(message.data, "base64"));
        return;
      case "build-event":
        this.#recordEvent(message.buildId, message.event);
        return;
    }
  }

  #recordEvent(buildId: number, event: BuildEvent): void {
    if (this.#events !== undefined && buildId < this.#events.buildId) return; // a stale build's event
    if (this.#events?.buildId !== buildId) this.#events = { buildId, events: [], blobAt: new Map() };
    const { events, blobAt } = this.#events;
    // Pull progress: only the last report of each blob matters to a page that was not there.
    const blob = event.type === "pull" && event.event.type === "blob" ? event.event.digest : undefined;
    const at = blob === undefined ? undefined : blobAt.get(blob);
    if (at !== undefined) {
      events[at] = event;
      return;
    }
    if (events.length >= this.#eventLimit) return;
    if (blob !== undefined) blobAt.set(blob, events.length);
    events.push(event);
  }

  #upsertBuild(build: BuildRecord): void {
    const at = this.#history.findIndex((b) => b.id === build.id);
    if (at >= 0) {
      this.#history[at] = build;
      return;
    }
    this.#history.push(build);
    if (this.#history.length > this.#historyLimit) {
      this.#history.splice(0, this.#history.length - this.#historyLimit);
    }
  }

  #appendConsole(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#consoleChunks.push(bytes);
    this.#consoleBytes += bytes.length;
    let excess = this.#consoleBytes - this.#consoleLimitBytes;
    while (excess > 0) {
      const first = this.#consoleChunks[0]!;
      if (first.length <= excess) {
        this.#consoleChunks.shift();
        this.#consoleBytes -= first.length;
        excess -= first.length;
      } else {
        this.#consoleChunks[0] = first.subarray(excess);
        this.#consoleBytes -= excess;
        excess = 0;
      }
    }
  }
}
