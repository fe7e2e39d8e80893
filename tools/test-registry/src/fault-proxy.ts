/**
 * A loopback HTTP proxy in front of a registry that injects faults by rule: error statuses (5xx,
 * 429 with Retry-After), connection resets in the middle of a body, bodies cut short under their
 * Content-Length, flipped bytes, slow headers or a throttled body, and a registry that ignores
 * Range. Requests no rule matches, or past a rule's `times`, pass through unchanged (Range requests
 * included). The Host header is forwarded as the client sent it, so the registry's absolute Location
 * URLs (uploads) point back at the proxy. Every request is recorded, without credentials.
 * Leaves out HTTPS and CONNECT: it is a reverse proxy for plain-HTTP loopback registries.
 */
import { once } from "node:events";
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** One fault. Offsets and byte counts are of the response body as this request receives it. */
export type Fault =
  /** Answer with `status` (and `Retry-After` when given) without asking the registry. */
  | {
      readonly type: "status";
      readonly status: number;
      readonly retryAfterSeconds?: number;
      /** Default: a distribution-style JSON error. */
      readonly body?: string;
    }
  /** Reset the connection (TCP RST) after sending `afterBytes` of the body; omitted: before any response. */
  | { readonly type: "reset"; readonly afterBytes?: number }
  /** Send the headers with the registry's Content-Length, `afterBytes` of the body, then close the connection. */
  | { readonly type: "truncate"; readonly afterBytes: number }
  /** Flip the bits of the body bytes at `offsets` (default [0]); the length stays the same. */
  | { readonly type: "corrupt"; readonly offsets?: readonly number[] }
  /** Wait `headerDelayMs` before the headers, and/or send the body at `bytesPerSecond`. */
  | { readonly type: "slow"; readonly headerDelayMs?: number; readonly bytesPerSecond?: number }
  /** Drop the Range and If-Range request headers and the Accept-Ranges response header. */
  | { readonly type: "noRange" };

/** The kinds of {@link Fault}. */
export type FaultType = Fault["type"];

/** When a fault applies. Every rule that matches a request applies to it, in order. */
export interface FaultRule {
  /** HTTP methods the rule matches (upper case); default: all. */
  readonly method?: string | readonly string[];
  /** Matched against the request's path and query; default: every path. */
  readonly path?: RegExp;
  /** The rule applies to the first `times` matching requests, then lets them pass; default: all of them. */
  readonly times?: number;
  readonly fault: Fault;
}

/** Path patterns for {@link FaultRule.path}. */
export const FAULT_PATHS = {
  /** Blob downloads and HEADs: `/v2/NAME/blobs/DIGEST`. */
  blobs: /^\/v2\/.+\/blobs\/[a-z0-9]+:[a-f0-9]+(\?.*)?$/,
  /** Manifests by tag or digest: `/v2/NAME/manifests/REFERENCE`. */
  manifests: /^\/v2\/.+\/manifests\/[^/]+(\?.*)?$/,
  /** Blob uploads: `/v2/NAME/blobs/uploads/…`. */
  uploads: /^\/v2\/.+\/blobs\/uploads\//,
} as const;

/** One request that went through the proxy. */
export interface RequestLog {
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  /** The request headers as received, with the credentials of `Authorization` replaced by `***`. */
  readonly headers: Readonly<Record<string, string>>;
  /** The status sent to the client; 0 when the connection was reset before any response. */
  readonly status: number;
  /** The faults applied to this request. */
  readonly faults: readonly FaultType[];
  /** Body bytes sent to the client. */
  readonly bodyBytes: number;
}

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  readonly rules: readonly FaultRule[];
}

/** A running fault proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `127.0.0.1:PORT`, for image references. */
  readonly host: string;
  /** Every request so far, oldest first (completed or cut). */
  requests(): readonly RequestLog[];
  /** Stops listening and closes every connection. Idempotent. */
  stop(): Promise<void>;
}

// Hop-by-hop headers (RFC 9110 §7.6.1) are not forwarded; Node frames the bodies itself.
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

function forwardedHeaders(headers: IncomingHttpHeaders, drop: readonly string[]): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name) && !drop.includes(name)) out[name] = value;
  }
  return out;
}

function loggedHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(", ") : value;
    out[name] = name === "authorization" ? text.replace(/^(\S+)\s.*$/s, "$1 ***") : text;
  }
  return out;
}

function matches(rule: FaultRule, method: string, path: string): boolean {
  const methods =
    rule.method === undefined ? undefined : typeof rule.method === "string" ? [rule.method] : rule.method;
  if (methods && !methods.includes(method)) return false;
  return rule.path === undefined || rule.path.test(path);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function write(response: ServerResponse, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) =>
    response.write(chunk, (error) => (error ? reject(error) : resolve())),
  );
}

/** What the faults of one request do to its response body. */
interface BodyPlan {
  readonly corruptOffsets: readonly number[];
  readonly cutAfter?: { readonly bytes: number; readonly how: "reset" | "truncate" };
  readonly bytesPerSecond?: number;
}

function planBody(faults: readonly Fault[]): BodyPlan {
  let corruptOffsets: number[] = [];
  let cutAfter: BodyPlan["cutAfter"];
  let bytesPerSecond: number | undefined;
  for (const fault of faults) {
    if (fault.type === "corrupt") corruptOffsets = [...corruptOffsets, ...(fault.offsets ?? [0])];
    if (fault.type === "reset" && fault.afterBytes !== undefined)
      cutAfter = { bytes: fault.afterBytes, how: "reset" };
    if (fault.type === "truncate") cutAfter = { bytes: fault.afterBytes, how: "truncate" };
    if (fault.type === "slow" && fault.bytesPerSecond !== undefined) bytesPerSecond = fault.bytesPerSecond;
  }
  return { corruptOffsets, cutAfter, bytesPerSecond };
}

/** Sends `upstream`'s body to `response` as `plan` says; resolves with the bytes sent. */
async function relayBody(
  upstream: IncomingMessage,
  response: ServerResponse,
  plan: BodyPlan,
): Promise<number> {
  let sent = 0;
  const started = Date.now();
  const limit = plan.cutAfter?.bytes ?? Number.POSITIVE_INFINITY;
  for await (const data of upstream) {
    let chunk = Buffer.from(data as Uint8Array);
    if (sent + chunk.length > limit) chunk = chunk.subarray(0, Math.max(0, limit - sent));
    for (const offset of plan.corruptOffsets) {
      const at = offset - sent;
      if (at >= 0 && at < chunk.length) {
        if (chunk === data) chunk = Buffer.from(chunk); // don't flip the upstream's buffer
        chunk[at] = (chunk[at] ?? 0) ^ 0xff;
      }
    }
    // Throttled bodies go out in tenth-of-a-second slices so the rate is smooth.
    const slice = plan.bytesPerSecond ? Math.max(1, Math.floor(plan.bytesPerSecond / 10)) : chunk.length;
    for (let start = 0; start < chunk.length; start += slice) {
      const piece = chunk.subarray(start, start + slice);
      if (plan.bytesPerSecond) {
        // A piece leaves when the rate allows its last byte, so N bytes take N / rate seconds.
        const due = started + ((sent + piece.length) / plan.bytesPerSecond) * 1000;
        if (due > Date.now()) await sleep(due - Date.now());
      }
      await write(response, piece);
      sent += piece.length;
    }
    if (sent >= limit) break;
  }
  return sent;
}

function cutConnection(socket: Socket | null, how: "reset" | "truncate"): void {
  if (!socket) return;
  if (how === "reset") socket.resetAndDestroy();
  else socket.end(); // FIN after the bytes written so far: the client sees the body end early
}

/**
 * Starts a fault-injecting proxy on 127.0.0.1 (random port) in front of `upstream` (`http://host:port`).
 * @example
 * ```ts
 * const proxy = await startFaultProxy(registry.url, {
 *   rules: [{ method: "GET", path: FAULT_PATHS.blobs, times: 1, fault: { type: "reset", afterBytes: 1000 } }],
 * });
 * try { … pull `${proxy.host}/repo:tag` … } finally { await proxy.stop(); }
 * ```
 */
export async function startFaultProxy(upstream: string, options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true });
  const remaining = options.rules.map((rule) => rule.times ?? Number.POSITIVE_INFINITY);
  const logs: RequestLog[] = [];

  const server = createServer((request, response) => {
    const method = request.method ?? "GET";
    const path = request.url ?? "/";
    const faults: Fault[] = [];
    options.rules.forEach((rule, index) => {
      if ((remaining[index] ?? 0) > 0 && matches(rule, method, path)) {
        remaining[index] = (remaining[index] ?? 0) - 1;
        faults.push(rule.fault);
      }
    });
    let bodyBytes = 0;
    let logged = false;
    const record = () => {
      if (logged) return;
      logged = true;
      logs.push({
        method,
        path,
        headers: loggedHeaders(request.headers),
        status: response.headersSent ? response.statusCode : 0,
        faults: faults.map((fault) => fault.type),
        bodyBytes,
      });
    };
    response.on("close", record);
    void handle().catch(() => {
      // The client or the registry went away mid-response: nothing is left to answer.
      response.destroy();
    });

    async function handle(): Promise<void> {
      const slow = faults.find((fault) => fault.type === "slow");
      if (slow?.headerDelayMs) await sleep(slow.headerDelayMs);
      if (faults.some((fault) => fault.type === "reset" && fault.afterBytes === undefined)) {
        request.resume();
        request.socket.resetAndDestroy();
        return;
      }
      const status = faults.find((fault) => fault.type === "status");
      if (status) {
        request.resume();
        const body =
          status.body ??
          JSON.stringify({ errors: [{ code: "UNAVAILABLE", message: `injected status ${status.status}` }] });
        const headers: OutgoingHttpHeaders = {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
        };
        if (status.retryAfterSeconds !== undefined) headers["retry-after"] = String(status.retryAfterSeconds);
        response.writeHead(status.status, headers);
        response.end(method === "HEAD" ? undefined : body);
        return;
      }
      const noRange = faults.some((fault) => fault.type === "noRange");
      const upstreamRequest = httpRequest({
        agent,
        hostname: target.hostname,
        port: target.port,
        method,
        path,
        headers: forwardedHeaders(request.headers, noRange ? ["range", "if-range"] : []),
      });
      request.pipe(upstreamRequest);
      request.on("aborted", () => upstreamRequest.destroy());
      const [upstreamResponse] = (await once(upstreamRequest, "response").catch((error: Error) => {
        if (!response.headersSent) {
          const body = JSON.stringify({
            errors: [{ code: "UNAVAILABLE", message: `upstream: ${error.message}` }],
          });
          response.writeHead(502, {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
          });
          response.end(body);
        }
        return [undefined];
      })) as [IncomingMessage | undefined];
      if (!upstreamResponse) return;
      response.writeHead(
        upstreamResponse.statusCode ?? 502,
        upstreamResponse.statusMessage,
        forwardedHeaders(upstreamResponse.headers, noRange ? ["accept-ranges"] : []),
      );
      const plan = planBody(faults);
      bodyBytes = await relayBody(upstreamResponse, response, plan);
      if (plan.cutAfter && bodyBytes >= plan.cutAfter.bytes && !upstreamResponse.complete) {
        upstreamResponse.destroy();
        cutConnection(response.socket, plan.cutAfter.how);
        record();
        return;
      }
      if (plan.cutAfter && !upstreamResponse.complete) upstreamResponse.destroy();
      response.end();
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  let stopping: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests: () => [...logs],
    stop: () => {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      });
      return stopping;
    },
  };
}
