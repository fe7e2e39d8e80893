/**
 * A registry and its token server in one node:http server on 127.0.0.1, for the auth tests: just
 * enough of the distribution API (`/v2/`, `/v2/<repo>/tags/list`) and of the token spec (GET with
 * Basic, POST with a refresh token) to exercise every path of the authenticator, with knobs for the
 * faults (revoked tokens, 403s, odd challenge headers, servers without OAuth2). Every request is
 * logged so tests can count round trips and check what was sent.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeRegistryOptions {
  /** How the registry challenges: Bearer (with the token server) or Basic. */
  readonly mode: "bearer" | "basic";
  /** user → password */
  readonly users?: Readonly<Record<string, string>>;
  /** refresh (identity) token → user */
  readonly identityTokens?: Readonly<Record<string, string>>;
  /** Repositories anonymous users may pull. */
  readonly publicRepos?: readonly string[];
  /** Repositories a user (any authenticated one) may not use at all: the token has no access. */
  readonly privateTo?: Readonly<Record<string, string>>;
  /** Field the token is sent in; default `token`. */
  readonly tokenField?: "token" | "access_token";
  /** `expires_in` to send; omitted when undefined. */
  readonly expiresIn?: number;
  /** `issued_at` to send. */
  readonly issuedAt?: string;
  /** Whether POST (OAuth2) is supported; default true. */
  readonly oauth?: boolean;
  /** Status the token server answers with instead of a token (403, 500…). */
  readonly tokenStatus?: number;
  /** Replaces the registry's WWW-Authenticate header. */
  readonly challengeHeader?: string;
}

export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly authorization?: string;
  readonly form?: URLSearchParams;
}

export interface FakeRegistry {
  /** `127.0.0.1:<port>`, the registry name to authenticate. */
  readonly registry: string;
  readonly baseUrl: string;
  readonly realm: string;
  readonly log: LoggedRequest[];
  /** Requests to the token server. */
  tokenRequests(): LoggedRequest[];
  /** Requests to the registry API. */
  registryRequests(): LoggedRequest[];
  /** Makes every token issued so far invalid. */
  revokeTokens(): void;
  close(): Promise<void>;
}

interface Issued {
  readonly user?: string;
  readonly access: ReadonlySet<string>;
}

/** Starts the fake registry; close it in `afterEach`/`finally`. */
export async function startFakeRegistry(options: FakeRegistryOptions): Promise<FakeRegistry> {
  const log: LoggedRequest[] = [];
  const tokens = new Map<string, Issued>();
  let baseUrl = "";
  const realm = (): string => `${baseUrl}/token`;

  const userOf = (authorization: string | undefined): string | undefined | null => {
    if (!authorization?.startsWith("Basic ")) return undefined;
    const text = Buffer.from(authorization.slice(6), "base64").toString("utf8");
    const colon = text.indexOf(":");
    const user = text.slice(0, colon);
    return options.users?.[user] !== undefined && options.users[user] === text.slice(colon + 1) ? user : null;
  };
  const allowed = (user: string | undefined, repo: string, action: string): boolean => {
    const owner = options.privateTo?.[repo];
    if (owner !== undefined) return user === owner;
    if (user !== undefined) return true;
    return action === "pull" && (options.publicRepos ?? []).includes(repo);
  };
  const grant = (user: string | undefined, scopes: readonly string[]): Set<string> => {
    const access = new Set<string>();
    for (const scope of scopes) {
      const [type, repo, actions] = scope.split(":");
      if (type !== "repository" || repo === undefined) continue;
      for (const action of (actions ?? "").split(","))
        if (allowed(user, repo, action)) access.add(`${repo}:${action}`);
    }
    return access;
  };
  const issue = (res: ServerResponse, user: string | undefined, scopes: readonly string[]): void => {
    const token = randomBytes(12).toString("hex");
    tokens.set(token, { ...(user === undefined ? {} : { user }), access: grant(user, scopes) });
    const body: Record<string, unknown> = { [options.tokenField ?? "token"]: token };
    if (options.expiresIn !== undefined) body.expires_in = options.expiresIn;
    if (options.issuedAt !== undefined) body.issued_at = options.issuedAt;
    json(res, 200, body);
  };

  const tokenEndpoint = (req: IncomingMessage, res: ServerResponse, url: URL, form?: URLSearchParams) => {
    if (options.tokenStatus !== undefined) return json(res, options.tokenStatus, { details: "not for you" });
    if (req.method === "POST") {
      if (options.oauth === false || !form) return json(res, 404, { details: "not found" });
      const user = options.identityTokens?.[form.get("refresh_token") ?? ""];
      if (form.get("grant_type") !== "refresh_token" || user === undefined) {
        return json(res, 400, { error: "invalid_grant", error_description: "refresh token is not valid" });
      }
      return issue(res, user, (form.get("scope") ?? "").split(" ").filter(Boolean));
    }
    const user = userOf(req.headers.authorization);
    if (user === null) return json(res, 401, { details: "incorrect username or password" });
    issue(res, user, url.searchParams.getAll("scope"));
  };

  const registryEndpoint = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const repo = /^\/v2\/(.+)\/tags\/list$/.exec(url.pathname)?.[1];
    const scope = repo === undefined ? undefined : `repository:${repo}:pull`;
    const challenge = (error?: string): void => {
      const header =
        options.challengeHeader ??
        (options.mode === "basic"
          ? 'Basic realm="fake registry"'
          : `Bearer realm="${realm()}",service="fake"${scope ? `,scope="${scope}"` : ""}${error ? `,error="${error}"` : ""}`);
      res.writeHead(401, { "WWW-Authenticate": header, "Content-Type": "application/json" });
      res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }));
    };
    const authorization = req.headers.authorization;
    if (options.mode === "basic") {
      const user = userOf(authorization);
      if (!user) return challenge();
      if (repo !== undefined && !allowed(user, repo, "pull"))
        return json(res, 403, { errors: [{ code: "DENIED" }] });
    } else {
      const issued = authorization?.startsWith("Bearer ") ? tokens.get(authorization.slice(7)) : undefined;
      if (!issued) return challenge(authorization ? "invalid_token" : undefined);
      if (repo !== undefined && !issued.access.has(`${repo}:pull`)) return challenge("insufficient_scope");
    }
    if (repo === undefined) return json(res, 200, {});
    json(res, 200, { name: repo, tags: ["latest"] });
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", baseUrl);
      const body = Buffer.concat(chunks).toString("utf8");
      const form = req.method === "POST" ? new URLSearchParams(body) : undefined;
      log.push({
        method: req.method ?? "GET",
        path: url.pathname,
        query: url.searchParams,
        ...(req.headers.authorization === undefined ? {} : { authorization: req.headers.authorization }),
        ...(form ? { form } : {}),
      });
      if (url.pathname === "/token") tokenEndpoint(req, res, url, form);
      else if (url.pathname.startsWith("/v2/")) registryEndpoint(req, res, url);
      else json(res, 404, {});
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;
  return {
    registry: `127.0.0.1:${port}`,
    baseUrl,
    realm: realm(),
    log,
    tokenRequests: () => log.filter((r) => r.path === "/token"),
    registryRequests: () => log.filter((r) => r.path.startsWith("/v2/")),
    revokeTokens: () => tokens.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}
