import { describe, expect, it } from "vitest";
import { answerChallenge, type ChallengeToAnswer, isLoopbackHost } from "./answer-challenge.js";
import type { RegistryChallenge } from "./challenge.js";
import { anonymousCredentials, type Credentials } from "./credentials.js";

const alice: Credentials = { kind: "basic", username: "alice", password: "pw-secret", source: "cfg" };
const bearer = (realm: string): RegistryChallenge => ({
  scheme: "bearer",
  realm: new URL(realm),
  service: "svc",
});

/** A token server that cannot be real here (other hosts): an injected fetch that records URLs. */
function tokenFetch() {
  const urls: string[] = [];
  const fetch: typeof globalThis.fetch = async (url) => {
    urls.push(String(url));
    return new Response(JSON.stringify({ token: "tok" }), { status: 200 });
  };
  return { urls, fetch };
}

function answer(
  challenge: RegistryChallenge,
  credentials: Credentials,
  overrides: Partial<ChallengeToAnswer> = {},
) {
  return answerChallenge({
    registry: "myreg.example:5000",
    challenge,
    scopes: ["repository:a:pull"],
    credentials,
    fetch: tokenFetch().fetch,
    now: () => 0,
    clientId: "ocikit",
    expiryMarginMs: 10_000,
    timeoutMs: 1_000,
    ...overrides,
  });
}

describe("answerChallenge", () => {
  it("answers Basic with the user name and password", async () => {
    expect(await answer({ scheme: "basic" }, alice)).toEqual({
      authorization: `Basic ${Buffer.from("alice:pw-secret").toString("base64")}`,
      useUntilMs: Number.POSITIVE_INFINITY,
      method: "Basic",
    });
  });

  it.each<[string, Credentials]>([
    ["anonymous", anonymousCredentials("none")],
    ["an identity token", { kind: "identity-token", identityToken: "idt", source: "s" }],
  ])("cannot answer Basic with %s", async (_name, credentials) => {
    await expect(answer({ scheme: "basic" }, credentials)).rejects.toMatchObject({
      code: "OCI_UNAUTHORIZED",
    });
  });

  it("sends a registry token without asking the token server", async () => {
    const { urls, fetch } = tokenFetch();
    const got = await answer(
      bearer("https://auth.example/token"),
      { kind: "registry-token", registryToken: "rt", source: "s" },
      { fetch },
    );
    expect(got).toEqual({
      authorization: "Bearer rt",
      useUntilMs: Number.POSITIVE_INFINITY,
      method: "registry-token",
    });
    expect(urls).toEqual([]);
  });

  it("asks for the scope a refusal named too, once", async () => {
    const { urls, fetch } = tokenFetch();
    await answer(bearer("https://auth.example/token"), alice, { fetch, extraScope: "repository:b:pull" });
    await answer(bearer("https://auth.example/token"), alice, { fetch, extraScope: "repository:a:pull" });
    expect(urls.map((u) => new URL(u).searchParams.getAll("scope"))).toEqual([
      ["repository:a:pull", "repository:b:pull"],
      ["repository:a:pull"],
    ]);
  });

  it.each([
    ["https on another host", "https://auth.example/token", alice, true],
    ["plain HTTP on loopback", "http://127.0.0.1:9/token", alice, true],
    ["plain HTTP on localhost", "http://localhost:9/token", alice, true],
    ["plain HTTP on the registry's own host", "http://myreg.example:5001/token", alice, true],
    [
      "plain HTTP on another host, anonymously",
      "http://auth.example/token",
      anonymousCredentials("none"),
      true,
    ],
    ["plain HTTP on another host, with credentials", "http://auth.example/token", alice, false],
  ] as const)("%s: credentials may go there = %s", async (_name, realm, credentials, allowed) => {
    const got = answer(bearer(realm), credentials);
    if (allowed) await expect(got).resolves.toMatchObject({ authorization: "Bearer tok" });
    else
      await expect(got).rejects.toMatchObject({
        code: "OCI_INSECURE_AUTH",
        message: expect.not.stringContaining("pw-secret"),
      });
  });

  it.each([
    ["localhost", true],
    ["127.0.0.1", true],
    ["127.1.2.3", true],
    ["[::1]", true],
    ["128.0.0.1", false],
    ["127.0.0.1.example", false],
    ["localhost.example", false],
  ])("knows %s is loopback: %s", (host, want) => expect(isLoopbackHost(host)).toBe(want));
});
