/**
 * The token exchange of the distribution token authentication spec (distribution `docs/spec/auth/
 * token.md` and `oauth.md`; client side after distribution's `registry/client/auth/session.go`
 * and go-containerregistry's `transport/bearer.go`):
 *
 * - with an identity token: `POST realm` with the OAuth2 form `grant_type=refresh_token`,
 *   `refresh_token`, `service`, `scope` (space-separated), `client_id`; a token server that does not
 *   do OAuth2 (404, 405, a redirect, `unsupported_grant_type`) is asked again with GET, as
 *   go-containerregistry does;
 * - otherwise `GET realm?service=…&scope=…&scope=…` with `Authorization: Basic` when there is a
 *   user name and password (and `account=<user>`, as Docker sends).
 *
 * The answer's `token` (or `access_token`) is valid for `expires_in` seconds (default 60) from
 * `issued_at` (or from now when it is missing or not believable); it is used until a margin before
 * that. A refresh token the server may return is not kept. Redirects of the GET are followed by hand
 * so that credentials never go to another origin, whatever `fetch` was injected.
 */
import { inspect } from "node:util";
import { OciError } from "../errors.js";
import {
  accessDenied,
  authenticationFailed,
  basicAuthorization,
  type Credentials,
  redactSecrets,
  sanitizeDetail,
  secretsOf,
} from "./credentials.js";

/** One token request. */
export interface TokenRequest {
  /** The registry the token is for, for messages. */
  readonly registry: string;
  readonly realm: URL;
  readonly service?: string;
  /** Scopes, e.g. `repository:library/alpine:pull`; may be empty (for `/v2/`). */
  readonly scopes: readonly string[];
  readonly credentials: Credentials;
  readonly fetch: typeof globalThis.fetch;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** OAuth2 `client_id`. */
  readonly clientId: string;
  /** Part of the lifetime not used, so that a token is not sent just as it expires. */
  readonly expiryMarginMs: number;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/** A token and when to stop using it. */
export interface BearerToken {
  readonly token: string;
  /** Milliseconds since the epoch after which the token is fetched again. */
  readonly useUntilMs: number;
  /** How it was obtained. */
  readonly method: "GET" | "POST";
}

/** `expires_in` when the server does not say (token.md: "defaults to 60 seconds"). */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 60;
const MAX_REDIRECTS = 5;

/**
 * Asks the token server for a bearer token.
 * @throws {OciError} OCI_UNAUTHORIZED (401, or a rejected identity token), OCI_DENIED (403),
 *   OCI_REGISTRY_ERROR (any other answer, or one without a token), OCI_NETWORK
 */
export async function fetchToken(request: TokenRequest): Promise<BearerToken> {
  if (request.credentials.kind === "identity-token") {
    const response = await send(request, "POST");
    if (!(await postRejected(response))) return readToken(request, response, "POST");
  }
  return readToken(request, await send(request, "GET"), "GET");
}

/** Whether a POST failed because the server does not do OAuth2 (then GET is tried). */
async function postRejected(response: Response): Promise<boolean> {
  if (
    response.status === 404 ||
    response.status === 405 ||
    (response.status >= 300 && response.status < 400)
  ) {
    await response.body?.cancel();
    return true;
  }
  if (response.status !== 400) return false;
  const text = await response.clone().text();
  if (!/unsupported_grant_type/.test(text)) return false;
  await response.body?.cancel();
  return true;
}

async function send(request: TokenRequest, method: "GET" | "POST"): Promise<Response> {
  const { credentials, realm } = request;
  const signal = request.signal
    ? AbortSignal.any([request.signal, AbortSignal.timeout(request.timeoutMs)])
    : AbortSignal.timeout(request.timeoutMs);
  const headers: Record<string, string> = {};
  const url = new URL(realm);
  let body: string | undefined;
  if (method === "POST" && credentials.kind === "identity-token") {
    const form = new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: credentials.identityToken,
      client_id: request.clientId,
    });
    if (request.service) form.set("service", request.service);
    if (request.scopes.length > 0) form.set("scope", request.scopes.join(" "));
    headers["Content-Type"] = "application/x-www-form-urlencoded";
    body = form.toString();
  } else {
    if (request.service) url.searchParams.append("service", request.service);
    for (const scope of request.scopes) url.searchParams.append("scope", scope);
    if (credentials.kind === "basic") {
      if (credentials.username) url.searchParams.append("account", credentials.username);
      headers.Authorization = basicAuthorization(credentials.username, credentials.password);
    }
  }
  try {
    return body === undefined
      ? await getFollowing(request.fetch, url, headers, signal)
      : await request.fetch(url, { method: "POST", headers, body, redirect: "manual", signal });
  } catch (error) {
    if (error instanceof OciError) throw error;
    const name = (error as Error).name;
    const why =
      name === "TimeoutError"
        ? `no answer within ${request.timeoutMs} ms`
        : name === "AbortError"
          ? "aborted"
          : describe(error);
    const secrets = secretsOf(credentials);
    throw new OciError(
      "OCI_NETWORK",
      `${request.registry}: cannot reach the token server ${realm.origin}${realm.pathname}: ${redactSecrets(why, secrets)}`,
      // An injected fetch might describe the request, headers included, in its error: then it is not kept.
      isFreeOf(error, secrets) ? { cause: error } : {},
    );
  }
}

/** Whether nothing in `error` (message, stack, causes, properties) shows one of the secrets. */
function isFreeOf(error: unknown, secrets: readonly string[]): boolean {
  const shown = inspect(error, { depth: 8 });
  return redactSecrets(shown, secrets) === shown;
}

/** GET with redirects followed by hand: `Authorization` goes only to the realm's own origin. */
async function getFollowing(
  fetch: typeof globalThis.fetch,
  start: URL,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<Response> {
  let url = start;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const sameOrigin = url.origin === start.origin;
    const response = await fetch(url, { headers: sameOrigin ? headers : {}, redirect: "manual", signal });
    const location = response.headers.get("location");
    if (response.status < 300 || response.status >= 400 || response.status === 304 || !location)
      return response;
    await response.body?.cancel();
    url = new URL(location, url);
  }
  throw new OciError(
    "OCI_REGISTRY_ERROR",
    `token server ${start.origin}${start.pathname}: more than ${MAX_REDIRECTS} redirects`,
  );
}

async function readToken(
  request: TokenRequest,
  response: Response,
  method: "GET" | "POST",
): Promise<BearerToken> {
  const { registry, scopes, credentials, realm } = request;
  const text = await response.text();
  const failure = { registry, scopes, credentials, detail: serverMessage(text) };
  if (
    response.status === 401 ||
    (method === "POST" && response.status === 400 && /invalid_grant|invalid_client/.test(text))
  ) {
    throw authenticationFailed(failure);
  }
  if (response.status === 403) throw accessDenied(failure);
  const where = `${registry}: the token server ${realm.origin}${realm.pathname}`;
  if (!response.ok) {
    const said = failure.detail ? `: ${sanitizeDetail(failure.detail, secretsOf(credentials))}` : "";
    throw new OciError("OCI_REGISTRY_ERROR", `${where} answered ${response.status}${said}; try again later`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // Reported below as an answer without a token.
    doc = undefined;
  }
  const body = typeof doc === "object" && doc !== null ? (doc as Record<string, unknown>) : {};
  const token = [body.token, body.access_token].find((t): t is string => typeof t === "string" && t !== "");
  if (token === undefined) {
    throw new OciError(
      "OCI_REGISTRY_ERROR",
      `${where} answered ${response.status} without a token; the token server is misconfigured`,
    );
  }
  return { token, useUntilMs: useUntil(body, request), method };
}

/** When to stop using a token: its lifetime from `issued_at` (or now), less the margin. */
function useUntil(body: Record<string, unknown>, request: TokenRequest): number {
  const now = request.now();
  const expiresIn =
    typeof body.expires_in === "number" && body.expires_in > 0
      ? body.expires_in
      : DEFAULT_TOKEN_LIFETIME_SECONDS;
  const lifetimeMs = expiresIn * 1000;
  // At most half the lifetime is given up, so that a short-lived token is still reused.
  const marginMs = Math.min(request.expiryMarginMs, lifetimeMs / 2);
  const issuedAt = typeof body.issued_at === "string" ? Date.parse(body.issued_at) : Number.NaN;
  // issued_at is believed only if it is not in the future and leaves the token usable now: with a
  // skewed clock the token would otherwise look expired forever (or valid too long).
  const start =
    Number.isFinite(issuedAt) && issuedAt <= now && issuedAt + lifetimeMs - marginMs > now ? issuedAt : now;
  return start + lifetimeMs - marginMs;
}

/** The part of a token server's error body worth showing (distribution errors, OAuth2, Docker Hub). */
function serverMessage(text: string): string {
  try {
    const doc = JSON.parse(text) as Record<string, unknown>;
    const errors = Array.isArray(doc.errors) ? (doc.errors as Record<string, unknown>[]) : [];
    const parts = [
      ...errors.map((e) => e.message),
      doc.details,
      doc.error_description ?? doc.error,
      doc.message,
    ].filter((p): p is string => typeof p === "string" && p !== "");
    return parts.join("; ");
  } catch {
    // Not JSON: the text itself, if it is short enough to be a message rather than a page.
    return text.length <= 200 && !text.trimStart().startsWith("<") ? text : "";
  }
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}
