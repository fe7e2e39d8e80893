/**
 * A token server for distribution's token auth (docs/spec/auth/token.md), in-process on node:http
 * at 127.0.0.1 with a random port. `GET /token?service=…&scope=…` with Basic credentials answers
 * `{ token, access_token, expires_in, issued_at }` holding a JWT (registry-token.ts) that grants every
 * scope asked for. It records requests and issued tokens so tests can check a client's token cache,
 * and can be told to fail the next requests. Leaves out the OAuth2 POST form (docs/spec/auth/oauth.md)
 * and refresh tokens: `POST /token` answers 405.
 */
import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parseScopes, signRegistryToken, type TokenAccess, type TokenKeyHeader } from "./registry-token.js";

/** Options of {@link startTokenIssuer}. */
export interface TokenIssuerOptions {
  /** PEM private key (EC or RSA) that signs tokens. */
  readonly keyPem: string;
  /** PEM certificate of that key; the registry's `rootcertbundle`. */
  readonly certPem: string;
  /** The `service` (token `aud`) the registry expects. */
  readonly service: string;
  /** The `iss` the registry expects. */
  readonly issuer: string;
  readonly username: string;
  readonly password: string;
  /** Whether requests without credentials get a pull-only token; default: false (they get 401). */
  readonly anonymousPull?: boolean;
  /** Token lifetime; default: TOKEN_ISSUER_DEFAULTS.tokenLifetimeSeconds. */
  readonly tokenLifetimeSeconds?: number;
  /** Milliseconds since the epoch; default: Date.now. */
  readonly clock?: () => number;
}

/** Defaults of {@link TokenIssuerOptions}. */
export const TOKEN_ISSUER_DEFAULTS = { tokenLifetimeSeconds: 300 } as const;

/** One request the issuer answered. */
export interface TokenRequestLog {
  readonly method: string;
  /** The `scope` values asked for. */
  readonly scopes: readonly string[];
  readonly service: string | undefined;
  /** The user name of the Basic credentials, if any (never the password). */
  readonly account: string | undefined;
  readonly status: number;
}

/** One token the issuer handed out. */
export interface IssuedToken {
  readonly account: string | undefined;
  readonly access: readonly TokenAccess[];
  /** Milliseconds since the epoch, from the issuer's clock. */
  readonly issuedAtMs: number;
  readonly expiresInSeconds: number;
}

/** What {@link TokenIssuer.signToken} makes. */
export interface SignTokenOptions {
  readonly access: readonly TokenAccess[];
  /** Default: "both" (`kid` and `x5c`). */
  readonly keyHeader?: TokenKeyHeader;
  /** A `kid` other than the key's (the registry refuses such a token when `x5c` is absent). */
  readonly kid?: string;
  /** Default: the issuer's token lifetime. */
  readonly expiresInSeconds?: number;
  /** Default: the issuer's username. */
  readonly subject?: string;
}

/** A running token server. */
export interface TokenIssuer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** The token endpoint, `${url}/token`: the registry's `realm`. */
  readonly realm: string;
  readonly service: string;
  readonly issuer: string;
  /** Every token handed out, oldest first. */
  issuedTokens(): readonly IssuedToken[];
  /** Every request answered, oldest first. */
  requests(): readonly TokenRequestLog[];
  /** Answers the next `count` token requests with `status` (default 503) instead of a token. */
  failNext(count: number, status?: number): void;
  /** Signs a token directly, without an HTTP request (for tests of what the registry accepts). */
  signToken(options: SignTokenOptions): string;
  stop(): Promise<void>;
}

interface Credentials {
  readonly username: string;
  readonly password: string;
}

function basicCredentials(request: IncomingMessage): Credentials | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? "");
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString();
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

/**
 * Starts a token issuer on 127.0.0.1 (random port).
 * @example
 * ```ts
 * const issuer = await startTokenIssuer({ keyPem, certPem, service: "registry", issuer: "test", username: "u", password: "p" });
 * try { … } finally { await issuer.stop(); }
 * ```
 */
export async function startTokenIssuer(options: TokenIssuerOptions): Promise<TokenIssuer> {
  const privateKey: KeyObject = createPrivateKey(options.keyPem);
  const certificate = new X509Certificate(options.certPem);
  const clock = options.clock ?? Date.now;
  const lifetime = options.tokenLifetimeSeconds ?? TOKEN_ISSUER_DEFAULTS.tokenLifetimeSeconds;
  const issued: IssuedToken[] = [];
  const logs: TokenRequestLog[] = [];
  let failures: { count: number; status: number } = { count: 0, status: 503 };

  const signToken = (signOptions: SignTokenOptions): string =>
    signRegistryToken({
      privateKey,
      certificate,
      issuer: options.issuer,
      audience: options.service,
      subject: signOptions.subject ?? options.username,
      access: signOptions.access,
      issuedAt: Math.floor(clock() / 1000),
      expiresInSeconds: signOptions.expiresInSeconds ?? lifetime,
      keyHeader: signOptions.keyHeader,
      kidOverride: signOptions.kid,
    });

  const handle = (request: IncomingMessage, url: URL, response: ServerResponse): number => {
    if (url.pathname !== "/token") {
      sendJson(response, 404, {
        errors: [{ code: "NOT_FOUND", message: `no such endpoint: ${url.pathname}` }],
      });
      return 404;
    }
    if (request.method !== "GET") {
      sendJson(
        response,
        405,
        { errors: [{ code: "UNSUPPORTED", message: "only GET /token is implemented" }] },
        { allow: "GET" },
      );
      return 405;
    }
    if (failures.count > 0) {
      failures = { ...failures, count: failures.count - 1 };
      sendJson(response, failures.status, { errors: [{ code: "UNAVAILABLE", message: "injected failure" }] });
      return failures.status;
    }
    const credentials = basicCredentials(request);
    const authenticated =
      credentials !== undefined &&
      credentials.username === options.username &&
      credentials.password === options.password;
    // Wrong credentials are refused even with anonymousPull: a client must learn its password is wrong.
    if (!authenticated && (credentials !== undefined || !options.anonymousPull)) {
      const message = credentials ? "wrong user name or password" : "credentials required";
      sendJson(
        response,
        401,
        { errors: [{ code: "UNAUTHORIZED", message }] },
        { "www-authenticate": 'Basic realm="ocikit-test-token-issuer"' },
      );
      return 401;
    }
    const requested = parseScopes(url.searchParams.getAll("scope"));
    // Anonymous clients may pull, as on a public registry; everything else needs the user.
    const access = authenticated
      ? requested
      : requested
          .map((entry) => ({ ...entry, actions: entry.actions.filter((action) => action === "pull") }))
          .filter((entry) => entry.actions.length > 0);
    const issuedAtMs = clock();
    const token = signToken({ access, subject: credentials?.username ?? "" });
    issued.push({ account: credentials?.username, access, issuedAtMs, expiresInSeconds: lifetime });
    sendJson(response, 200, {
      token,
      access_token: token,
      expires_in: lifetime,
      issued_at: new Date(issuedAtMs).toISOString(),
    });
    return 200;
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://issuer");
    const status = handle(request, url, response);
    logs.push({
      method: request.method ?? "GET",
      scopes: url.searchParams.getAll("scope"),
      service: url.searchParams.get("service") ?? undefined,
      account: basicCredentials(request)?.username,
      status,
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    realm: `${url}/token`,
    service: options.service,
    issuer: options.issuer,
    issuedTokens: () => [...issued],
    requests: () => [...logs],
    failNext: (count, status = 503) => {
      failures = { count, status };
    },
    signToken,
    stop: async () => {
      if (!server.listening) return;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
