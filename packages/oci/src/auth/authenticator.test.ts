import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { type AuthEvent, type AuthenticatorOptions, createAuthenticator } from "./authenticator.js";
import type { Credentials } from "./credentials.js";
import {
  type FakeRegistry,
  type FakeRegistryOptions,
  startFakeRegistry,
} from "./test-support/fake-registry.js";

const PASSWORD = "pw-Zq8-secret";
const IDENTITY_TOKEN = "idtok-Zq8-secret";

const registries: FakeRegistry[] = [];
afterEach(async () => {
  await Promise.all(registries.splice(0).map((r) => r.close()));
});

async function setup(
  registryOptions: FakeRegistryOptions,
  credentials?: Credentials,
  options: AuthenticatorOptions = {},
) {
  const reg = await startFakeRegistry(registryOptions);
  registries.push(reg);
  const events: AuthEvent[] = [];
  let clock = Date.parse("2025-01-01T00:00:00Z");
  const auth = createAuthenticator({
    credentials: async () => credentials,
    now: () => clock,
    onEvent: (e) => events.push(e),
    ...options,
  });
  const scope = (repo: string) => `repository:${repo}:pull`;
  /** GET /v2/<repo>/tags/list through the authenticator. */
  const tags = (repo: string) =>
    auth.fetch(reg.registry, scope(repo), (headers) =>
      fetch(`${reg.baseUrl}/v2/${repo}/tags/list`, { headers }),
    );
  return { reg, auth, events, tags, scope, advance: (ms: number) => (clock += ms) };
}

const alice: Credentials = {
  kind: "basic",
  username: "alice",
  password: PASSWORD,
  source: '/h/.docker/config.json auths["r"]',
};
const bearer = { mode: "bearer", users: { alice: PASSWORD } } as const;

describe("Bearer", () => {
  it("answers a challenge with a token, then uses it", async () => {
    const { reg, tags, events } = await setup({ ...bearer, expiresIn: 300 }, alice);
    const response = await tags("team/app");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ name: "team/app", tags: ["latest"] });
    expect(reg.log.map((r) => `${r.path} ${r.authorization?.split(" ")[0] ?? "-"}`)).toEqual([
      "/v2/team/app/tags/list -",
      "/token Basic",
      "/v2/team/app/tags/list Bearer",
    ]);
    expect(reg.tokenRequests()[0]?.query.getAll("scope")).toEqual(["repository:team/app:pull"]);
    expect(reg.tokenRequests()[0]?.query.get("service")).toBe("fake");
    expect(events).toEqual([
      {
        type: "token",
        registry: reg.registry,
        scopes: ["repository:team/app:pull"],
        method: "GET",
        credentials: alice.source,
      },
    ]);
  });

  it("reuses a token until its expiry less the margin, then fetches one ahead of the request", async () => {
    const { reg, tags, advance } = await setup({ ...bearer, expiresIn: 60 }, alice);
    await tags("app");
    advance(49_000);
    await tags("app");
    expect(reg.tokenRequests()).toHaveLength(1);
    advance(2_000);
    await tags("app");
    expect(reg.tokenRequests()).toHaveLength(2);
    // The new token was fetched before the request, not after a 401.
    expect(reg.registryRequests().map((r) => r.authorization !== undefined)).toEqual([
      false,
      true,
      true,
      true,
    ]);
  });

  it("fetches a token for a new scope without waiting for another challenge, and several scopes in one", async () => {
    const { reg, auth, tags } = await setup(bearer, alice);
    await tags("a");
    await tags("b");
    expect(reg.registryRequests()).toHaveLength(3);
    const headers = await auth.headersFor(reg.registry, [
      "repository:dst:pull,push",
      "repository:src:pull",
      "repository:src:pull",
    ]);
    expect(headers.Authorization).toMatch(/^Bearer /);
    expect(reg.tokenRequests()[2]?.query.getAll("scope")).toEqual([
      "repository:dst:pull,push",
      "repository:src:pull",
    ]);
  });

  it("re-authenticates once when a cached token is refused", async () => {
    const { reg, tags, events } = await setup(bearer, alice);
    await tags("app");
    reg.revokeTokens();
    expect((await tags("app")).status).toBe(200);
    expect(reg.tokenRequests()).toHaveLength(2);
    expect(events.map((e) => e.type)).toEqual(["token", "reauth", "token"]);
    // ...and again later: a success restores the one retry.
    reg.revokeTokens();
    expect((await tags("app")).status).toBe(200);
  });

  it("works for a transport that calls challenged() without the sent headers", async () => {
    const { reg, auth, scope } = await setup(bearer, alice);
    const url = `${reg.baseUrl}/v2/app/tags/list`;
    const get = async () =>
      fetch(url, { headers: { ...(await auth.headersFor(reg.registry, scope("app"))) } });
    const first = await get();
    expect(first.status).toBe(401);
    await auth.challenged(reg.registry, scope("app"), first.headers.get("www-authenticate"));
    expect((await get()).status).toBe(200);
    // Two requests refused with the same revoked token: one re-auth, the second is told to retry.
    reg.revokeTokens();
    const [a, b] = await Promise.all([get(), get()]);
    await auth.challenged(reg.registry, scope("app"), a.headers.get("www-authenticate"));
    await auth.challenged(reg.registry, scope("app"), b.headers.get("www-authenticate"));
    expect((await get()).status).toBe(200);
    expect(reg.tokenRequests()).toHaveLength(2);
  });

  it("asks once for many concurrent requests", async () => {
    const { reg, tags } = await setup(bearer, alice);
    await tags("app");
    reg.revokeTokens();
    const responses = await Promise.all([1, 2, 3, 4].map(() => tags("app")));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(reg.tokenRequests()).toHaveLength(2);
  });

  it("fails with OCI_UNAUTHORIZED, where credentials came from and no secret, on a wrong password", async () => {
    const { reg, tags } = await setup(bearer, { ...alice, password: `wrong-${PASSWORD}` });
    const error = await tags("app").catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "OCI_UNAUTHORIZED",
      message: `${reg.registry}: authentication failed for repository:app:pull (incorrect username or password) (credentials: ${alice.source}); run "docker login ${reg.registry}"`,
    });
    expect(inspect(error, { depth: 10 })).not.toContain(PASSWORD);
  });

  it("gives up after one re-auth when the registry keeps refusing, and says anonymous was tried", async () => {
    const { reg, tags } = await setup({ ...bearer, privateTo: { app: "bob" } }, undefined);
    const error = await tags("app").catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "OCI_UNAUTHORIZED",
      message: expect.stringContaining(
        `(credentials: anonymous, no credentials for ${reg.registry}); run "docker login`,
      ),
    });
    expect(reg.tokenRequests()).toHaveLength(2);
    expect(reg.registryRequests()).toHaveLength(3);
  });

  it("is OCI_DENIED when valid credentials lack the scope", async () => {
    const { tags } = await setup({ ...bearer, privateTo: { app: "bob" } }, alice);
    await expect(tags("app")).rejects.toMatchObject({ code: "OCI_DENIED" });
  });

  it("is OCI_DENIED when the token server answers 403", async () => {
    const { tags } = await setup({ ...bearer, tokenStatus: 403 }, alice);
    await expect(tags("app")).rejects.toMatchObject({ code: "OCI_DENIED" });
  });

  it("pulls anonymously what is public", async () => {
    const { reg, tags } = await setup(
      { ...bearer, publicRepos: ["library/alpine"], tokenField: "access_token" },
      undefined,
    );
    expect((await tags("library/alpine")).status).toBe(200);
    expect(reg.tokenRequests()[0]?.authorization).toBeUndefined();
  });

  it("exchanges an identity token with POST, and falls back to GET where OAuth2 is missing", async () => {
    const idCreds: Credentials = {
      kind: "identity-token",
      identityToken: IDENTITY_TOKEN,
      source: "docker-credential-test (credsStore in c)",
    };
    const withOauth = await setup(
      { ...bearer, identityTokens: { [IDENTITY_TOKEN]: "alice" }, tokenField: "access_token" },
      idCreds,
    );
    expect((await withOauth.tags("app")).status).toBe(200);
    expect(withOauth.reg.tokenRequests().map((r) => r.method)).toEqual(["POST"]);
    expect(withOauth.reg.tokenRequests()[0]?.form?.get("client_id")).toBe("ocikit");
    const without = await setup({ ...bearer, oauth: false, publicRepos: ["app"] }, idCreds);
    expect((await without.tags("app")).status).toBe(200);
    expect(without.reg.tokenRequests().map((r) => r.method)).toEqual(["POST", "GET"]);
  });

  it("sends a registry token as is", async () => {
    const { reg, auth } = await setup(bearer, { kind: "registry-token", registryToken: "rt-1", source: "s" });
    await auth.challenged(reg.registry, "repository:a:pull", `Bearer realm="${reg.realm}"`);
    expect(await auth.headersFor(reg.registry, "repository:a:pull")).toEqual({
      Authorization: "Bearer rt-1",
    });
    expect(reg.tokenRequests()).toHaveLength(0);
  });

  it.each([
    ["no header", null, "OCI_UNAUTHORIZED"],
    ["an unsupported scheme", "Negotiate abc==", "OCI_UNAUTHORIZED"],
    ["a malformed header", 'Bearer realm="http://x', "OCI_REGISTRY_ERROR"],
    ["a Bearer challenge without realm", 'Bearer service="x"', "OCI_REGISTRY_ERROR"],
  ])("rejects a 401 with %s", async (_name, header, code) => {
    const { reg, auth } = await setup(bearer, alice);
    await expect(auth.challenged(reg.registry, "repository:a:pull", header)).rejects.toMatchObject({ code });
  });

  it("rejects malformed challenges met through fetch", async () => {
    const { tags } = await setup({ ...bearer, challengeHeader: "Bearer realm=" }, alice);
    await expect(tags("app")).rejects.toMatchObject({ code: "OCI_REGISTRY_ERROR" });
  });

  it("does not send credentials to a plain-HTTP token server on another host", async () => {
    const { reg, auth } = await setup(bearer, alice);
    await expect(
      auth.challenged("myreg.example:5000", "repository:a:pull", 'Bearer realm="http://auth.example/token"'),
    ).rejects.toMatchObject({
      code: "OCI_INSECURE_AUTH",
    });
    // Loopback realms are fine (the fake registry is one).
    await auth.challenged("myreg.example:5000", "repository:a:pull", `Bearer realm="${reg.realm}"`);
  });
});

describe("Basic", () => {
  const basicMode = { mode: "basic", users: { alice: PASSWORD } } as const;

  it("is never sent before the registry asks, then is sent at once", async () => {
    const { reg, auth, tags, events } = await setup(basicMode, alice);
    expect(await auth.headersFor(reg.registry, "repository:app:pull")).toEqual({});
    await tags("app");
    await tags("other");
    expect(reg.registryRequests().map((r) => r.authorization?.split(" ")[0] ?? "-")).toEqual([
      "-",
      "Basic",
      "Basic",
    ]);
    expect(events).toEqual([{ type: "basic", registry: reg.registry, credentials: alice.source }]);
  });

  it("fails at once without credentials, and after one retry with a wrong password", async () => {
    const anonymous = await setup(basicMode, undefined);
    await expect(anonymous.tags("app")).rejects.toMatchObject({
      code: "OCI_UNAUTHORIZED",
      message: expect.stringContaining("the registry asks for a user name and password; there is none"),
    });
    expect(anonymous.reg.registryRequests()).toHaveLength(1);
    const wrong = await setup(basicMode, { ...alice, password: "nope-nope" });
    await expect(wrong.tags("app")).rejects.toMatchObject({ code: "OCI_UNAUTHORIZED" });
    expect(wrong.reg.registryRequests()).toHaveLength(3);
  });

  it("looks credentials up again on a re-auth (a docker login may have happened)", async () => {
    let password = "old-password";
    const reg = await startFakeRegistry(basicMode);
    registries.push(reg);
    const auth = createAuthenticator({ credentials: async () => ({ ...alice, password }) });
    const get = () =>
      auth.fetch(reg.registry, "repository:app:pull", (headers) =>
        fetch(`${reg.baseUrl}/v2/app/tags/list`, { headers }),
      );
    await expect(get()).rejects.toMatchObject({ code: "OCI_UNAUTHORIZED" });
    password = PASSWORD;
    expect((await get()).status).toBe(200);
  });
});

describe("secrets", () => {
  it("appear in no error message, cause or event", async () => {
    const scenarios: [FakeRegistryOptions, Credentials | undefined][] = [
      [{ ...bearer, tokenStatus: 403 }, alice],
      [{ ...bearer, tokenStatus: 500 }, alice],
      [bearer, { ...alice, username: "bob" }],
      [{ ...bearer, privateTo: { app: "bob" } }, alice],
      [{ ...bearer, challengeHeader: 'Bearer realm="x' }, alice],
      [{ mode: "basic", users: { alice: "other" } }, alice],
      [
        { ...bearer, identityTokens: {} },
        { kind: "identity-token", identityToken: IDENTITY_TOKEN, source: "s" },
      ],
      [{ mode: "basic" }, { kind: "identity-token", identityToken: IDENTITY_TOKEN, source: "s" }],
    ];
    const shown: string[] = [];
    for (const [registryOptions, credentials] of scenarios) {
      const { tags, events } = await setup(registryOptions, credentials);
      const error = await tags("app").catch((e: unknown) => e);
      expect(error).toHaveProperty("code");
      shown.push(inspect(error, { depth: 10, showHidden: true }), JSON.stringify(events));
    }
    const secrets = [PASSWORD, IDENTITY_TOKEN, Buffer.from(`alice:${PASSWORD}`).toString("base64")];
    for (const text of shown) for (const secret of secrets) expect(text).not.toContain(secret);
  });
});
