/**
 * HTTP to registries (distribution spec): where a registry is (mirrors, plain HTTP for loopback and
 * `--insecure-registry` hosts, Docker Hub's API host), and one request with what every request
 * needs — credentials from an `Authenticator` and a retry after its challenge, bounded retries with
 * backoff on 429/5xx and connection errors, redirects followed by hand so that credentials never go
 * to another origin, and a timeout.
 */
import { OciError } from "./errors.js";
import { HttpAgents, type HttpRequestOptions, type HttpResponse, httpRequest } from "./http-request.js";
import { DOCKER_HUB, DOCKER_HUB_API } from "./reference.js";

/** One token scope, or several (a cross-mount source and the push target). */
export type Scope = string | readonly string[];

/** Supplies credentials per registry and scope (`createAuthenticator` in auth/ implements it). */
export interface Authenticator {
  /** Headers to send (an Authorization header, or none for anonymous access). */
  headersFor(registry: string, scope: Scope): Promise<Readonly<Record<string, string>>>;
  /**
   * Called with a 401's WWW-Authenticate and the headers the refused request carried: fetches a
   * token or switches to Basic, or throws OCI_UNAUTHORIZED explaining where credentials were looked up.
   */
  challenged(
    registry: string,
    scope: Scope,
    wwwAuthenticate: string | null,
    options?: { sent?: Readonly<Record<string, string>> },
  ): Promise<void>;
}

/** `--mirror docker.io=http://127.0.0.1:5000` (or, without `registry`, a mirror for every registry). */
export interface Mirror {
  readonly registry?: string;
  readonly url: string;
}

export interface TransportOptions {
  /** Injectable HTTP (tests); default `httpRequest` over this transport's keep-alive connections. */
  readonly request?: (url: URL, options: HttpRequestOptions) => Promise<HttpResponse>;
  readonly authenticator?: Authenticator;
  /** Hosts (`host[:port]`) to reach over plain HTTP, besides loopback which always is. */
  readonly insecureRegistries?: readonly string[];
  readonly mirrors?: readonly Mirror[];
  /** Retries after the first attempt on 429/5xx/connection errors; default 4. */
  readonly retries?: number;
  /** First backoff delay; doubled each retry (with jitter); default 250 ms. */
  readonly retryDelayMs?: number;
  /** Time allowed until the response headers arrive; default 60 s. */
  readonly timeoutMs?: number;
  readonly userAgent?: string;
  /** Injectable for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly signal?: AbortSignal;
}

export const TRANSPORT_DEFAULTS = {
  retries: 4,
  retryDelayMs: 250,
  timeoutMs: 60_000,
  userAgent: "ocikit",
} as const;

/** A registry and the base URL its API is reached at. */
export interface Endpoint {
  readonly registry: string;
  readonly baseUrl: string;
}

/** One request to a registry API path. */
export interface RegistryRequest {
  readonly method: "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path from the API root (`/v2/…`) or an absolute URL (upload locations). */
  readonly path: string;
  /** The token scope, e.g. `repository:library/alpine:pull`. */
  readonly scope: Scope;
  readonly headers?: Readonly<Record<string, string>>;
  /** A body that can be produced again for a retry. */
  readonly body?: () => Uint8Array | string;
  /** For bodies read slowly (blobs): fail when nothing arrives for this long. */
  readonly idleTimeoutMs?: number;
  /** Statuses returned to the caller instead of thrown (2xx always are). */
  readonly accept?: readonly number[];
  /** What this request is for, in messages: `manifest of docker.io/library/alpine:3.20`. */
  readonly what: string;
}

const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
const MAX_REDIRECTS = 5;
const MAX_CHALLENGES = 3;

/** Talks to registries. One per build or command; holds no global state. */
export class RegistryTransport {
  readonly #options: TransportOptions;
  readonly #agents = new HttpAgents();
  readonly #request: (url: URL, options: HttpRequestOptions) => Promise<HttpResponse>;

  constructor(options: TransportOptions = {}) {
    this.#options = options;
    this.#request = options.request ?? ((url, o) => httpRequest(url, o, this.#agents));
  }

  /** Closes idle keep-alive connections; call when the command is done. */
  close(): void {
    this.#agents.destroy();
  }

  /** Where `registry`'s API is: a mirror, `http://` for loopback/insecure hosts, else `https://`. */
  endpoint(registry: string): Endpoint {
    const mirror =
      this.#options.mirrors?.find((m) => m.registry !== undefined && sameRegistry(m.registry, registry)) ??
      this.#options.mirrors?.find((m) => m.registry === undefined);
    // Credentials for a mirror are the mirror's own (looked up under its host), as go-containerregistry does.
    if (mirror) return { registry: new URL(mirror.url).host, baseUrl: mirror.url.replace(/\/+$/, "") };
    const host = registry === DOCKER_HUB ? DOCKER_HUB_API : registry;
    const scheme =
      isLoopback(registry) || this.#options.insecureRegistries?.some((r) => sameRegistry(r, registry))
        ? "http"
        : "https";
    return { registry, baseUrl: `${scheme}://${host}` };
  }

  /**
   * Sends a request, with credentials, retries and redirects. Returns 2xx responses and those listed
   * in `accept`; throws for the rest.
   * @throws {OciError} OCI_UNAUTHORIZED, OCI_DENIED, OCI_NOT_FOUND, OCI_REGISTRY_ERROR, OCI_NETWORK, OCI_TOO_MANY_RETRIES
   */
  async request(endpoint: Endpoint, req: RegistryRequest): Promise<HttpResponse> {
    const retries = this.#options.retries ?? TRANSPORT_DEFAULTS.retries;
    let challenges = 0;
    let lastProblem = "";
    for (let attempt = 0; ; attempt++) {
      let response: HttpResponse;
      let sent: Readonly<Record<string, string>>;
      try {
        ({ response, sent } = await this.#send(endpoint, req));
      } catch (error) {
        if (error instanceof OciError || this.#options.signal?.aborted) throw error;
        lastProblem = describeNetworkError(error);
        if (attempt >= retries) {
          throw new OciError(
            "OCI_NETWORK",
            `${req.what}: cannot reach ${endpoint.baseUrl}: ${lastProblem} (after ${attempt + 1} attempts)`,
            {
              cause: error,
            },
          );
        }
        await this.#backoff(attempt, undefined);
        continue;
      }
      // The authenticator answers challenges (a token, Basic, a re-auth after a refused token) and
      // throws its own explanation when it cannot; the bound only guards against a loop.
      if (response.status === 401 && this.#options.authenticator && challenges < MAX_CHALLENGES) {
        const header = response.headers.get("www-authenticate");
        await response.body.cancel();
        challenges++;
        await this.#options.authenticator.challenged(endpoint.registry, req.scope, header, { sent });
        attempt--; // answering a challenge is not a failed attempt
        continue;
      }
      if (response.ok || req.accept?.includes(response.status)) return response;
      if (RETRY_STATUSES.has(response.status) && attempt < retries) {
        lastProblem = `HTTP ${response.status}`;
        const retryAfter = response.headers.get("retry-after");
        await response.body.cancel();
        await this.#backoff(attempt, retryAfter);
        continue;
      }
      throw await registryError(response, endpoint, req, attempt + 1);
    }
  }

  /** One attempt, following redirects by hand; credentials go only to the registry's own origin. */
  async #send(
    endpoint: Endpoint,
    req: RegistryRequest,
  ): Promise<{ response: HttpResponse; sent: Readonly<Record<string, string>> }> {
    let sent: Readonly<Record<string, string>> = {};
    let url = new URL(req.path, `${endpoint.baseUrl}/`);
    const origin = new URL(endpoint.baseUrl).origin;
    let method = req.method;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const sameOrigin = url.origin === origin;
      const auth =
        sameOrigin && this.#options.authenticator
          ? await this.#options.authenticator.headersFor(endpoint.registry, req.scope)
          : {};
      if (hop === 0) sent = auth;
      const headers: Record<string, string> = {
        "User-Agent": this.#options.userAgent ?? TRANSPORT_DEFAULTS.userAgent,
        ...(sameOrigin ? req.headers : stripForRedirect(req.headers)),
        ...auth,
      };
      const body = method === req.method && req.body ? req.body() : undefined;
      const { signal, headersArrived } = this.#signal();
      let response: HttpResponse;
      try {
        response = await this.#request(url, {
          method,
          headers,
          signal,
          ...(body === undefined ? {} : { body }),
          ...(req.idleTimeoutMs ? { idleTimeoutMs: req.idleTimeoutMs } : {}),
        });
      } finally {
        headersArrived();
      }
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && response.status !== 304 && location) {
        await response.body.cancel();
        url = new URL(location, url);
        // 303 turns anything into a GET; 301/302 do for POST, as browsers and Go's client do.
        if (
          response.status === 303 ||
          ((response.status === 301 || response.status === 302) && method === "POST")
        )
          method = "GET";
        continue;
      }
      return { response, sent };
    }
    throw new OciError(
      "OCI_REGISTRY_ERROR",
      `${req.what}: more than ${MAX_REDIRECTS} redirects from ${endpoint.baseUrl}`,
    );
  }

  /**
   * A signal that aborts if the response headers take longer than the timeout (or the caller
   * aborts). The timer stops when the headers arrive: a long body is not a timeout (stalled bodies
   * are caught by the blob reader's idle timeout).
   */
  #signal(): { signal: AbortSignal; headersArrived: () => void } {
    const controller = new AbortController();
    const timeoutMs = this.#options.timeoutMs ?? TRANSPORT_DEFAULTS.timeoutMs;
    const timer = setTimeout(
      () => controller.abort(new DOMException(`no response within ${timeoutMs} ms`, "TimeoutError")),
      timeoutMs,
    );
    const signal = this.#options.signal
      ? AbortSignal.any([controller.signal, this.#options.signal])
      : controller.signal;
    return { signal, headersArrived: () => clearTimeout(timer) };
  }

  async #backoff(attempt: number, retryAfter: string | null | undefined): Promise<void> {
    const base = this.#options.retryDelayMs ?? TRANSPORT_DEFAULTS.retryDelayMs;
    let ms = base * 2 ** attempt * (0.75 + Math.random() / 2);
    const seconds = retryAfter ? Number(retryAfter) : Number.NaN;
    if (Number.isFinite(seconds) && seconds >= 0) ms = Math.min(seconds * 1000, 30_000);
    await (this.#options.sleep ?? ((d: number) => new Promise((r) => setTimeout(r, d))))(ms);
  }

  /** Whether more attempts are allowed after `attempt` failed ones (for resumable streams). */
  retriesLeft(attempt: number): boolean {
    return attempt < (this.#options.retries ?? TRANSPORT_DEFAULTS.retries);
  }

  /** Waits before another attempt of a resumable stream. */
  async pause(attempt: number): Promise<void> {
    await this.#backoff(attempt, undefined);
  }
}

function stripForRedirect(headers: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {}))
    if (k.toLowerCase() !== "authorization" && k.toLowerCase() !== "cookie") out[k] = v;
  return out;
}

/** Whether `host[:port]` is a loopback address, which is always reached over plain HTTP. */
export function isLoopback(registry: string): boolean {
  const host = registry.startsWith("[")
    ? registry.slice(1, registry.indexOf("]"))
    : (registry.split(":")[0] ?? "");
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function sameRegistry(a: string, b: string): boolean {
  const norm = (r: string): string => (r === "index.docker.io" || r === DOCKER_HUB_API ? DOCKER_HUB : r);
  return norm(a) === norm(b);
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  // fetch rejects with the abort reason itself; node:http with an AbortError whose cause it is.
  if (
    (error as Error).name === "TimeoutError" ||
    (cause as { name?: string } | undefined)?.name === "TimeoutError"
  )
    return "timed out";
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/** The registry's error document (`{errors: [{code, message, detail}]}`), as text. */
export async function registryMessage(response: HttpResponse): Promise<string> {
  let text = "";
  try {
    text = await response.text();
  } catch {
    return "";
  }
  try {
    const doc = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    const parts = (doc.errors ?? [])
      .map((e) => [e.code, e.message].filter(Boolean).join(": "))
      .filter(Boolean);
    if (parts.length > 0) return parts.join("; ");
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return text.trim().slice(0, 200);
}

async function registryError(
  response: HttpResponse,
  endpoint: Endpoint,
  req: RegistryRequest,
  attempts: number,
): Promise<OciError> {
  const said = await registryMessage(response);
  const answer = `${response.status}${said ? ` ${said}` : ""}`;
  switch (response.status) {
    case 401:
      return new OciError(
        "OCI_UNAUTHORIZED",
        `${req.what}: ${endpoint.registry} requires authentication (${answer}); run "docker login ${endpoint.registry}"`,
      );
    case 403:
      return new OciError("OCI_DENIED", `${req.what}: ${endpoint.registry} denied access (${answer})`);
    case 404:
      return new OciError("OCI_NOT_FOUND", `${req.what}: not found on ${endpoint.registry} (${answer})`);
    default:
      return RETRY_STATUSES.has(response.status)
        ? new OciError(
            "OCI_TOO_MANY_RETRIES",
            `${req.what}: ${endpoint.registry} answered ${answer} (after ${attempts} attempts)`,
          )
        : new OciError("OCI_REGISTRY_ERROR", `${req.what}: ${endpoint.registry} answered ${answer}`);
  }
}
