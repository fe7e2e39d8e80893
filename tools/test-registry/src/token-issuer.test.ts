/**
 * The token issuer against docker-registry 2.8 with token auth: its tokens let skopeo push and pull,
 * the registry accepts a key named by `x5c` or by the libtrust `kid` and refuses an unknown one and a
 * token for another repository, and the issuer's bookkeeping (issued tokens, requests, injected
 * failures) is what a client-cache test needs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushTestImage } from "./push-test-image.js";
import { startRegistry, type TestRegistry } from "./registry.js";
import { inspectWithSkopeo } from "./skopeo.js";
import type { TokenIssuer } from "./token-issuer.js";

const MANIFEST_ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

const basic = (username: string, password: string) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;

describe("token auth", { timeout: 20_000 }, () => {
  let registry: TestRegistry;
  let issuer: TokenIssuer;
  let pushedDigest: string;

  beforeAll(async () => {
    registry = await startRegistry({ auth: "token" });
    issuer = registry.tokenIssuer as TokenIssuer;
    const pushed = await pushTestImage(registry, {
      repository: "secure/app",
      tag: "v1",
      image: { layers: [{ files: [{ path: "app/run", contents: "#!/bin/sh\necho hi\n", mode: 0o755 }] }] },
    });
    pushedDigest = pushed.digest;
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it("lets skopeo push with --creds, and read the image back", async () => {
    const raw = await inspectWithSkopeo(`docker://${registry.host}/secure/app:v1`, { registry, raw: true });
    expect(JSON.parse(raw).mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    const info = JSON.parse(await inspectWithSkopeo(`docker://${registry.host}/secure/app:v1`, { registry }));
    expect(info.Digest).toBe(pushedDigest);
    const pushTokens = issuer
      .issuedTokens()
      .filter((token) =>
        token.access.some((entry) => entry.name === "secure/app" && entry.actions.includes("push")),
      );
    expect(pushTokens.length).toBeGreaterThan(0);
    expect(pushTokens[0]?.account).toBe(registry.username);
  });

  it("refuses skopeo without credentials", async () => {
    await expect(
      inspectWithSkopeo(`docker://${registry.host}/secure/app:v1`, { raw: true }),
    ).rejects.toMatchObject({
      code: "TEST_REGISTRY_TOOL_FAILED",
    });
  });

  it("answers {token, access_token, expires_in, issued_at} granting the scope asked for", async () => {
    const scope = "repository:secure/app:pull";
    const before = issuer.requests().length;
    const response = await fetch(
      `${issuer.realm}?service=${issuer.service}&scope=${encodeURIComponent(scope)}`,
      {
        headers: { authorization: basic(registry.username ?? "", registry.password ?? "") },
      },
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(["access_token", "expires_in", "issued_at", "token"]);
    expect(body.access_token).toBe(body.token);
    expect(body.expires_in).toBe(300);
    expect(Date.parse(String(body.issued_at))).not.toBeNaN();
    const [header, claims] = String(body.token)
      .split(".")
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, "base64url").toString()));
    expect(header).toMatchObject({
      typ: "JWT",
      alg: "ES256",
      kid: expect.stringMatching(/^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/),
    });
    expect(header.x5c).toHaveLength(1);
    expect(claims).toMatchObject({
      iss: "ocikit-test-token-issuer",
      aud: "ocikit-test-registry",
      sub: registry.username,
      access: [{ type: "repository", name: "secure/app", actions: ["pull"] }],
    });
    expect(issuer.requests().slice(before)).toEqual([
      { method: "GET", scopes: [scope], service: issuer.service, account: registry.username, status: 200 },
    ]);

    const manifest = await fetch(`${registry.url}/v2/secure/app/manifests/v1`, {
      headers: { authorization: `Bearer ${body.token}`, accept: MANIFEST_ACCEPT },
    });
    expect(manifest.status).toBe(200);
    expect(manifest.headers.get("docker-content-digest")).toBe(pushedDigest);
  });

  it.each([
    ["x5c and kid", { keyHeader: "both" }, 200],
    ["x5c only", { keyHeader: "x5c" }, 200],
    ["kid only (libtrust fingerprint)", { keyHeader: "kid" }, 200],
    [
      "an unknown kid only",
      { keyHeader: "kid", kid: "AAAA:BBBB:CCCC:DDDD:EEEE:FFFF:GGGG:HHHH:IIII:JJJJ:KKKK:LLLL" },
      401,
    ],
  ] as const)("the registry answers a token naming its key by %s with %i", async (_name, options, status) => {
    const token = issuer.signToken({
      access: [{ type: "repository", name: "secure/app", actions: ["pull"] }],
      ...options,
    });
    const response = await fetch(`${registry.url}/v2/secure/app/manifests/v1`, {
      headers: { authorization: `Bearer ${token}`, accept: MANIFEST_ACCEPT },
    });
    expect(response.status).toBe(status);
  });

  it("the registry refuses a token for another repository, naming the scope it needs", async () => {
    const token = issuer.signToken({
      access: [{ type: "repository", name: "other/app", actions: ["pull"] }],
    });
    const response = await fetch(`${registry.url}/v2/secure/app/manifests/v1`, {
      headers: { authorization: `Bearer ${token}`, accept: MANIFEST_ACCEPT },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain('scope="repository:secure/app:pull"');
  });

  it.each([
    ["no credentials", undefined],
    ["a wrong password", basic("ocikit", "wrong")],
  ])("the issuer answers 401 to %s", async (_name, authorization) => {
    const response = await fetch(
      `${issuer.realm}?service=${issuer.service}&scope=repository:secure/app:pull`,
      {
        headers: authorization ? { authorization } : {},
      },
    );
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
  });

  it("failNext makes the next requests fail, then issues tokens again", async () => {
    const url = `${issuer.realm}?service=${issuer.service}&scope=repository:secure/app:pull`;
    const headers = { authorization: basic(registry.username ?? "", registry.password ?? "") };
    const issuedBefore = issuer.issuedTokens().length;
    issuer.failNext(2, 500);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(url, { headers })).status);
    expect(statuses).toEqual([500, 500, 200]);
    expect(issuer.issuedTokens().length).toBe(issuedBefore + 1);
    expect(
      issuer
        .requests()
        .slice(-3)
        .map((request) => request.status),
    ).toEqual([500, 500, 200]);
  });
});

describe("token auth with anonymous pull", { timeout: 20_000 }, () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: "token", anonymousPull: true });
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it("lets anonymous clients pull but not push", async () => {
    await pushTestImage(registry, {
      repository: "public/app",
      image: { layers: [{ files: [{ path: "hello", contents: "hello\n" }] }] },
    });
    const raw = await inspectWithSkopeo(`docker://${registry.host}/public/app:latest`, { raw: true });
    expect(JSON.parse(raw).schemaVersion).toBe(2);
    await expect(
      pushTestImage(
        { host: registry.host },
        { repository: "public/app", tag: "anonymous", image: { layers: [{ files: [{ path: "x" }] }] } },
      ),
    ).rejects.toMatchObject({ code: "TEST_REGISTRY_TOOL_FAILED" });
    const anonymousTokens =
      registry.tokenIssuer?.issuedTokens().filter((token) => token.account === undefined) ?? [];
    expect(anonymousTokens.length).toBeGreaterThan(0);
    for (const token of anonymousTokens) {
      for (const entry of token.access) expect(entry.actions).toEqual(["pull"]);
    }
  });
});
