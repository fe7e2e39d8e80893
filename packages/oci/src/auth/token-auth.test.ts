import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { anonymousCredentials, type Credentials } from "./credentials.js";
import { fetchToken, type TokenRequest } from "./token-auth.js";

interface Seen {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}
interface Answer {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

const servers: { close: () => void }[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A loopback token server answering with `answer(request)`; records every request. */
async function serve(answer: (seen: Seen) => Answer) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const request = {
        method: req.method ?? "GET",
        url: new URL(req.url ?? "/", "http://x"),
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      seen.push(request);
      const a = answer(request);
      res.writeHead(a.status ?? 200, { "Content-Type": "application/json", ...a.headers });
      res.end(typeof a.body === "string" ? a.body : JSON.stringify(a.body ?? {}));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  servers.push({ close: () => server.close() });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { seen, base, realm: new URL(`${base}/token`) };
}

const NOW = Date.parse("2025-01-01T00:00:00Z");
const basic: Credentials = {
  kind: "basic",
  username: "alice",
  password: "tok-secret-pw",
  source: "test config",
};
const identity: Credentials = {
  kind: "identity-token",
  identityToken: "refresh-secret",
  source: "test helper",
};

function request(realm: URL, overrides: Partial<TokenRequest> = {}): TokenRequest {
  return {
    registry: "myreg:5000",
    realm,
    service: "svc",
    scopes: ["repository:a:pull"],
    credentials: basic,
    fetch: globalThis.fetch,
    now: () => NOW,
    clientId: "ocikit",
    expiryMarginMs: 10_000,
    timeoutMs: 5_000,
    ...overrides,
  };
}

describe("GET token requests", () => {
  it("sends service, every scope, the account and Basic credentials", async () => {
    const { seen, realm } = await serve(() => ({ body: { token: "t1" } }));
    const token = await fetchToken(
      request(realm, { scopes: ["repository:src:pull", "repository:dst:pull,push"] }),
    );
    expect(token).toEqual({ token: "t1", useUntilMs: NOW + 50_000, method: "GET" });
    const [req] = seen;
    expect(req?.method).toBe("GET");
    expect(req?.url.searchParams.get("service")).toBe("svc");
    expect(req?.url.searchParams.getAll("scope")).toEqual([
      "repository:src:pull",
      "repository:dst:pull,push",
    ]);
    expect(req?.url.searchParams.get("account")).toBe("alice");
    expect(req?.headers.authorization).toBe(`Basic ${Buffer.from("alice:tok-secret-pw").toString("base64")}`);
  });

  it("sends nothing secret when anonymous, and keeps the realm's own query", async () => {
    const { seen, base } = await serve(() => ({ body: { access_token: "t2" } }));
    const token = await fetchToken(
      request(new URL(`${base}/token?x=1`), { credentials: anonymousCredentials("none") }),
    );
    expect(token.token).toBe("t2");
    expect(seen[0]?.headers.authorization).toBeUndefined();
    expect(seen[0]?.url.searchParams.get("account")).toBeNull();
    expect(seen[0]?.url.searchParams.get("x")).toBe("1");
  });

  it.each([
    ["expires_in from now", { expires_in: 300 }, NOW + 290_000],
    ["the 60 s default", {}, NOW + 50_000],
    ["a nonsense expires_in as the default", { expires_in: "soon" }, NOW + 50_000],
    [
      "issued_at in the past",
      { expires_in: 300, issued_at: new Date(NOW - 100_000).toISOString() },
      NOW + 190_000,
    ],
    [
      "issued_at in the future (a skewed clock) as now",
      { expires_in: 300, issued_at: new Date(NOW + 60_000).toISOString() },
      NOW + 290_000,
    ],
    [
      "an issued_at that would make it expired as now",
      { expires_in: 60, issued_at: new Date(NOW - 3_600_000).toISOString() },
      NOW + 50_000,
    ],
    ["an unparsable issued_at as now", { expires_in: 300, issued_at: "yesterday" }, NOW + 290_000],
    ["at most half of a short lifetime as margin", { expires_in: 10 }, NOW + 5_000],
  ])("uses a token until its expiry less the margin: %s", async (_name, extra, want) => {
    const { realm } = await serve(() => ({ body: { token: "t", ...extra } }));
    expect((await fetchToken(request(realm))).useUntilMs).toBe(want);
  });

  it("prefers token over access_token and rejects an answer without either", async () => {
    const both = await serve(() => ({ body: { token: "a", access_token: "b" } }));
    expect((await fetchToken(request(both.realm))).token).toBe("a");
    const none = await serve(() => ({ body: { token: "" } }));
    await expect(fetchToken(request(none.realm))).rejects.toMatchObject({ code: "OCI_REGISTRY_ERROR" });
    const html = await serve(() => ({ body: "<html>hi</html>" }));
    await expect(fetchToken(request(html.realm))).rejects.toMatchObject({ code: "OCI_REGISTRY_ERROR" });
  });

  it.each([
    [
      401,
      "OCI_UNAUTHORIZED",
      /myreg:5000: authentication failed for repository:a:pull \(incorrect password \*\*\*\) \(credentials: test config\); run "docker login myreg:5000"/,
    ],
    [403, "OCI_DENIED", /myreg:5000: access to repository:a:pull denied \(incorrect password \*\*\*\)/],
    [
      500,
      "OCI_REGISTRY_ERROR",
      /the token server http:\/\/127.0.0.1:\d+\/token answered 500: incorrect password \*\*\*; try again later/,
    ],
  ])("turns a %i into %s, without echoing the password", async (status, code, message) => {
    const { realm } = await serve(() => ({ status, body: { details: "incorrect password tok-secret-pw" } }));
    const error = await fetchToken(request(realm)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code, message: expect.stringMatching(message) });
    expect(inspect(error, { depth: 10 })).not.toContain("tok-secret-pw");
  });

  it("follows redirects, sending credentials only to the realm's origin", async () => {
    const other = await serve(() => ({ body: { token: "from-other" } }));
    const { seen, realm } = await serve((req) =>
      req.url.pathname === "/token"
        ? { status: 307, headers: { Location: "/token2" } }
        : { status: 302, headers: { Location: `${other.base}/elsewhere` } },
    );
    expect((await fetchToken(request(realm))).token).toBe("from-other");
    expect(seen.map((r) => [r.url.pathname, r.headers.authorization !== undefined])).toEqual([
      ["/token", true],
      ["/token2", true],
    ]);
    expect(other.seen[0]?.headers.authorization).toBeUndefined();
  });
});

describe("POST (OAuth2) token requests with an identity token", () => {
  it("sends the refresh_token grant", async () => {
    const { seen, realm } = await serve(() => ({ body: { access_token: "t3", expires_in: 120 } }));
    const token = await fetchToken(
      request(realm, { credentials: identity, scopes: ["repository:a:pull", "repository:b:push"] }),
    );
    expect(token).toEqual({ token: "t3", useUntilMs: NOW + 110_000, method: "POST" });
    expect(seen[0]?.method).toBe("POST");
    expect(seen[0]?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(new URLSearchParams(seen[0]?.body))).toEqual({
      grant_type: "refresh_token",
      refresh_token: "refresh-secret",
      client_id: "ocikit",
      service: "svc",
      scope: "repository:a:pull repository:b:push",
    });
    expect(seen[0]?.headers.authorization).toBeUndefined();
  });

  it.each([
    ["404", { status: 404 }],
    ["405", { status: 405 }],
    ["unsupported_grant_type", { status: 400, body: { error: "unsupported_grant_type" } }],
    ["a redirect", { status: 302, headers: { Location: "/login" } }],
  ])("falls back to GET when the POST is rejected with %s", async (_name, rejection) => {
    const { seen, realm } = await serve((req) =>
      req.method === "POST" ? rejection : { body: { token: "t4" } },
    );
    expect(await fetchToken(request(realm, { credentials: identity }))).toMatchObject({
      token: "t4",
      method: "GET",
    });
    expect(seen.map((r) => r.method)).toEqual(["POST", "GET"]);
    expect(seen[1]?.url.search).not.toContain("refresh-secret");
  });

  it("reports a refused identity token as OCI_UNAUTHORIZED, without a GET", async () => {
    const { seen, realm } = await serve(() => ({
      status: 400,
      body: { error: "invalid_grant", error_description: "expired" },
    }));
    const error = await fetchToken(request(realm, { credentials: identity })).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "OCI_UNAUTHORIZED",
      message: expect.stringContaining("(credentials: test helper)"),
    });
    expect(seen).toHaveLength(1);
  });
});

describe("network failures", () => {
  it("reports a token server that cannot be reached, or does not answer in time", async () => {
    const { realm } = await serve(() => ({}));
    for (const s of servers.splice(0)) s.close();
    await expect(fetchToken(request(realm))).rejects.toMatchObject({ code: "OCI_NETWORK" });
    const hanging: typeof fetch = (_url, init) =>
      new Promise((_resolve, reject) =>
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)),
      );
    await expect(fetchToken(request(realm, { fetch: hanging, timeoutMs: 50 }))).rejects.toMatchObject({
      code: "OCI_NETWORK",
      message: expect.stringContaining("no answer within 50 ms"),
    });
  });

  it("does not keep a cause that shows the credentials", async () => {
    const leaky: typeof fetch = async (_url, init) => {
      throw new Error(`failed with headers ${JSON.stringify(init?.headers)}`);
    };
    const error = await fetchToken(request(new URL("https://auth.example/token"), { fetch: leaky })).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "OCI_NETWORK" });
    expect((error as Error).cause).toBeUndefined();
    expect(inspect(error, { depth: 10 })).not.toContain(
      Buffer.from("alice:tok-secret-pw").toString("base64"),
    );
  });
});
