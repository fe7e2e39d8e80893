/**
 * The page's WebSocket to the dev server (`/ws`, same origin, with the token of the page's URL — the
 * cookie carries it too, but cookies are not scoped by port, so a second dev server overwrites it),
 * reconnecting with backoff (reconnect-delay.ts) whenever it closes. Frames are the JSON messages of
 * src/protocol.ts.
 */
import type { ClientMessage, ServerMessage } from "../../src/protocol.js";
import { reconnectDelayMs } from "./reconnect-delay.js";

/** The connection as the header shows it. */
export type ConnectionStatus =
  | { readonly state: "connecting"; readonly attempt: number }
  | { readonly state: "open" }
  | { readonly state: "waiting"; readonly attempt: number; readonly retryAtMs: number };

/** Options of `new DevSocket()`. */
export interface DevSocketOptions {
  /** ws:// or wss:// URL of the server's `/ws`. */
  readonly url: string;
  readonly onMessage: (message: ServerMessage) => void;
  readonly onStatus: (status: ConnectionStatus) => void;
}

/** The `/ws` URL of the server that served this page, with its token when the page's URL has one. */
export function devSocketUrl(location: Pick<Location, "protocol" | "host" | "search">): string {
  const token = new URLSearchParams(location.search).get("token");
  const query = token === null ? "" : `?token=${encodeURIComponent(token)}`;
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws${query}`;
}

/** A WebSocket that reconnects until `close()`. */
export class DevSocket {
  readonly #options: DevSocketOptions;
  #socket: WebSocket | undefined;
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(options: DevSocketOptions) {
    this.#options = options;
    this.#connect();
  }

  /** Sends `message` if connected; returns whether it was sent. */
  send(message: ClientMessage): boolean {
    if (this.#socket?.readyState !== WebSocket.OPEN) return false;
    this.#socket.send(JSON.stringify(message));
    return true;
  }

  /** Reconnects now rather than at the end of the current wait. */
  retryNow(): void {
    if (this.#closed || this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#connect();
  }

  /** Closes the socket and stops reconnecting. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#socket?.close();
  }

  #connect(): void {
    this.#options.onStatus({ state: "connecting", attempt: this.#attempt });
    const socket = new WebSocket(this.#options.url);
    this.#socket = socket;
    socket.addEventListener("open", () => this.#options.onStatus({ state: "open" }));
    socket.addEventListener("message", (event) => {
      if (typeof event.data !== "string") return; // the protocol is JSON text frames only
      let message: ServerMessage;
      try {
        message = JSON.parse(event.data) as ServerMessage;
      } catch {
        // Not JSON: not a frame of the protocol; dropping it keeps the page alive.
        return;
      }
      // A connection that delivered its hello is a good one: the next failure starts the backoff over.
      if (message.type === "hello") this.#attempt = 0;
      this.#options.onMessage(message);
    });
    // "error" is always followed by "close", which is where reconnection happens.
    socket.addEventListener("close", () => {
      if (this.#socket !== socket || this.#closed) return;
      this.#socket = undefined;
      this.#attempt += 1;
      const delayMs = reconnectDelayMs(this.#attempt);
      this.#options.onStatus({ state: "waiting", attempt: this.#attempt, retryAtMs: Date.now() + delayMs });
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#connect();
      }, delayMs);
    });
  }
}
