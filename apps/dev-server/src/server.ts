/**
 * The HTTP + WebSocket server of `ocikit dev` (hono on @hono/node-server, @hono/node-ws): the page at
 * `/`, its built files from `staticDir`, the hub's snapshot at `/api/state`, the hub's messages at
 * `/ws` (protocol.ts).
 *
 * Security (issue 7, point 3): the server is for one user on one machine, so every request must carry
 * the random token (`?token=` or the `ocikit_token` cookie the page gets on its first load); a `Host`
 * that is not the server's own (DNS rebinding) and an `Origin` that is not its own (cross-site pages,
 * WebSocket upgrades included) are refused with 403; files are served only from a list of `staticDir`'s
 * regular files made at start, so no request path can name another file.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join } from "node:path";
import { createAdaptorServer } from "@hono/node-server";
import { createNodeWebSocket } from "@hono/node-ws";
import { Hono, type MiddlewareHandler } from "hono";
import type { DevHub, DevHubConnection } from "./dev-hub.js";
import { DevServerError } from "./errors.js";

/** Options of `startDevServer`. */
export interface DevServerOptions {
  /** The hub whose state and messages the server serves. */
  readonly hub: DevHub;
  /** The address to listen on. Default: `DEV_SERVER_DEFAULTS.host` ("127.0.0.1"). */
  readonly host?: string;
  /** The port; 0 picks a free one. Default: `DEV_SERVER_DEFAULTS.port` (0). */
  readonly port?: number;
  /** The secret every request must carry. Default: 32 random bytes, hex. */
  readonly token?: string;
  /** The built page (index.html and its assets). Default: none (a placeholder page is served). */
  readonly staticDir?: string;
  /** Closes the server when aborted. */
  readonly signal?: AbortSignal;
  /** Where errors thrown by the hub's client-message handlers go. Default: rethrown on a later tick. */
  readonly onError?: (error: unknown) => void;
}

/** Defaults of `DevServerOptions`. */
export const DEV_SERVER_DEFAULTS = { host: "127.0.0.1", port: 0 } as const;

/** A running dev server. */
export interface DevServer {
  /** The page's address with the token: what `ocikit dev` prints and opens. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  /** Closes every WebSocket and connection and stops listening. Idempotent. */
  close(): Promise<void>;
}

/** The cookie the page gets on its first token-bearing load, so its assets and socket need no `?token=`. */
export const TOKEN_COOKIE = "ocikit_token";

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".wasm": "application/wasm",
};

const PLACEHOLDER_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ocikit dev</title></head>
<body><h1>ocikit dev</h1><p>The page is not built yet; the server is running: its state is at
<a href="/api/state">/api/state</a> and its messages at <code>/ws</code>.</p></body></html>
`;

/**
 * Starts the dev server and resolves once it listens.
 *
 * @throws DevServerError DEV_LISTEN when it cannot listen on host:port (in use, not this machine's)
 * @example
 * const server = await startDevServer({ hub: new DevHub(), port: 8080 });
 * console.log(`open ${server.url}`);
 * await server.close();
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const opts = { ...DEV_SERVER_DEFAULTS, ...options };
  const { hub, host } = opts;
  const token = options.token ?? randomBytes(32).toString("hex");
  const files =
    options.staticDir === undefined ? new Map<string, string>() : await listStaticFiles(options.staticDir);

  // Filled in once listening: the port is known only then when it is 0.
  const self = { hostPort: "", origin: "" };
  const app = new Hono();
  const ws = createNodeWebSocket({ app });
  const connections = new Set<DevHubConnection>();

  app.use("*", hardening);
  app.use("*", guard(self, token));
  app.get(
    "/ws",
    ws.upgradeWebSocket(() => {
      let connection: DevHubConnection | undefined;
      return {
        onOpen: (_event, socket) => {
          connection = hub.connect((text) => {
            // A socket that is closing drops what is sent; its onClose disconnects it from the hub.
            if (socket.readyState === 1) socket.send(text);
          });
          connections.add(connection);
        },
        onMessage: (event) => {
          if (typeof event.data !== "string") return; // the protocol is JSON text frames only
          try {
            connection?.receive(event.data);
          } catch (error) {
            report(error);
          }
        },
        onClose: () => {
          connection?.disconnect();
          if (connection !== undefined) connections.delete(connection);
        },
      };
    }),
  );
  app.get("/api/state", (c) => c.json(hub.hello()));
  app.get("*", async (c) => {
    const name = requestedFile(new URL(c.req.url).pathname);
    if (name === "index.html" && c.req.query("token") !== undefined) {
      // The token was checked by the guard; the cookie lets the page's assets and socket omit it.
      c.header("Set-Cookie", `${TOKEN_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict`);
    }
    const path = name === undefined ? undefined : files.get(name);
    if (path === undefined) {
      if (name === "index.html") return c.html(PLACEHOLDER_PAGE);
      return c.text("not found", 404);
    }
    const body = await readFile(path);
    return c.body(body, 200, {
      "Content-Type": CONTENT_TYPES[extname(path)] ?? "application/octet-stream",
      "Cache-Control": "no-cache",
    });
  });

  function report(error: unknown): void {
    if (options.onError !== undefined) options.onError(error);
    else
      queueMicrotask(() => {
        throw error;
      });
  }

  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  ws.injectWebSocket(server);
  const port = await listen(server, host, opts.port);
  self.hostPort = `${formatHost(host)}:${port}`.toLowerCase();
  self.origin = `http://${self.hostPort}`;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      options.signal?.removeEventListener("abort", onAbort);
      for (const connection of connections) connection.disconnect();
      connections.clear();
      for (const client of ws.wss.clients) client.terminate();
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };
  const onAbort = () => void close();
  if (options.signal?.aborted) await close();
  else options.signal?.addEventListener("abort", onAbort, { once: true });

  return { url: `${self.origin}/?token=${token}`, port, token, close };
}

/**
 * Headers on every answer: the page's URL holds the token, so no Referer carries it anywhere; no other
 * site may frame the page (clickjacking its buttons); content types are not sniffed.
 */
const hardening: MiddlewareHandler = async (c, next) => {
  await next();
  c.header("Referrer-Policy", "no-referrer");
  c.header("X-Frame-Options", "DENY");
  c.header("X-Content-Type-Options", "nosniff");
};

/** Refuses (403) requests whose Host or Origin is not the server's own, or that lack the token. */
function guard(self: { hostPort: string; origin: string }, token: string): MiddlewareHandler {
  const expected = Buffer.from(token);
  const isToken = (candidate: string | undefined) => {
    if (candidate === undefined) return false;
    const got = Buffer.from(candidate);
    return got.length === expected.length && timingSafeEqual(got, expected);
  };
  return async (c, next) => {
    // Read from the headers, not c.req.url: the WebSocket path rebuilds the URL from a fixed base.
    const hostHeader = c.req.header("host")?.toLowerCase();
    if (hostHeader !== self.hostPort) return c.text("forbidden: unknown Host", 403);
    const origin = c.req.header("origin");
    if (origin !== undefined && origin !== self.origin) return c.text("forbidden: foreign Origin", 403);
    if (!isToken(c.req.query("token")) && !isToken(readCookie(c.req.header("cookie"), TOKEN_COOKIE))) {
      return c.text("forbidden: missing or wrong token", 403);
    }
    await next();
  };
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq >= 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The static file a URL path names ("index.html" for "/"), or undefined if it cannot name one. */
function requestedFile(pathname: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    // Malformed percent-encoding names no file: a 404, not an error.
    return undefined;
  }
  const name = decoded === "/" ? "index.html" : decoded.slice(1);
  // The list holds only plain relative names, so this is defence in depth, not the guard itself.
  if (name.split("/").some((s) => s === "" || s === "." || s === "..") || /[\\\0]/.test(name)) {
    return undefined;
  }
  return name;
}

/** Every regular file under `dir` (no dotfiles, no symlinks), by its "/"-separated relative name. */
async function listStaticFiles(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (rel: string): Promise<void> => {
    let entries: import("node:fs").Dirent[];
    try {
      entries = await readdir(join(dir, rel), { withFileTypes: true });
    } catch (error) {
      // A staticDir that does not exist yet means "not built": the placeholder page is served.
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue;
      const name = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) await walk(name);
      else if (entry.isFile()) files.set(name, join(dir, name));
    }
  };
  await walk("");
  return files;
}

function formatHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const where = `${formatHost(host)}:${port}`;
      const why =
        error.code === "EADDRINUSE"
          ? `port ${port} on ${host} is in use; choose another with --port`
          : error.code === "EADDRNOTAVAIL"
            ? `${host} is not an address of this machine; choose another with --host`
            : error.code === "EACCES"
              ? `permission denied; choose a port above 1023 with --port`
              : `${error.message}; check --host and --port`;
      reject(new DevServerError("DEV_LISTEN", `cannot listen on ${where}: ${why}`, { cause: error }));
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
