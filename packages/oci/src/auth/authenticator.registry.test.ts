/**
 * The authenticator against the real registry (Debian's docker-registry, distribution 2.8) in both
 * auth variants of the test harness: htpasswd Basic, and Bearer tokens from the harness's issuer.
 * Credentials come from a real Docker config file, so the whole lookup runs too.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pushTestImage, startRegistry, type TestRegistry } from "@ocikit/test-registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthEvent, createAuthenticator } from "./authenticator.js";
import { dockerCredentials } from "./docker-config.js";

describe.each(["basic", "token"] as const)("docker-registry with %s auth", (variant) => {
  let registry: TestRegistry;
  let configDir: string;
  beforeAll(async () => {
    registry = await startRegistry({ auth: variant });
    await pushTestImage(registry, {
      repository: "test/auth",
      tag: "v1",
      image: { layers: [{ files: [{ path: "hello", contents: "hi\n" }] }] },
    });
    configDir = await mkdtemp(join(tmpdir(), "ocikit-auth-it-"));
  }, 60_000);
  afterAll(async () => {
    await registry?.stop();
    if (configDir) await rm(configDir, { recursive: true, force: true });
  });

  /** An authenticator whose credentials are `user:password` in a Docker config file for the registry. */
  async function authenticatorWith(user: string, password: string, events: AuthEvent[] = []) {
    const auth = Buffer.from(`${user}:${password}`).toString("base64");
    await writeFile(
      join(configDir, "config.json"),
      JSON.stringify({ auths: { [`http://${registry.host}`]: { auth } } }),
    );
    return createAuthenticator({
      credentials: dockerCredentials({ env: { DOCKER_CONFIG: configDir }, homeDir: "/nonexistent" }),
      onEvent: (e) => events.push(e),
    });
  }
  const tagsList = (auth: ReturnType<typeof createAuthenticator>) =>
    auth.fetch(registry.host, "repository:test/auth:pull", (headers) =>
      fetch(`${registry.url}/v2/test/auth/tags/list`, { headers }),
    );

  it("lists tags through the authenticator", async () => {
    const events: AuthEvent[] = [];
    const auth = await authenticatorWith(registry.username ?? "", registry.password ?? "", events);
    const response = await tagsList(auth);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ name: "test/auth", tags: ["v1"] });
    expect(events.map((e) => e.type)).toEqual([variant === "basic" ? "basic" : "token"]);
    // The second request reuses what the first obtained.
    expect((await tagsList(auth)).status).toBe(200);
    expect(events).toHaveLength(1);
  });

  it("fails with where the credentials came from, and not the password, when it is wrong", async () => {
    const auth = await authenticatorWith(registry.username ?? "", "wrong-password-Zq8");
    const error = await tagsList(auth).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "OCI_UNAUTHORIZED",
      message: expect.stringContaining(
        `(credentials: ${join(configDir, "config.json")} auths["http://${registry.host}"])`,
      ),
    });
    expect(String((error as Error).message)).not.toContain("wrong-password-Zq8");
  });
});
