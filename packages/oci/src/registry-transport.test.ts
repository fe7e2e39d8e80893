import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { isLoopback, RegistryTransport } from "./registry-transport.js";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const servers: Server[] = [];

async function serve(handler: Handler): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

const noSleep = async (): Promise<void> => {};
const get = {
  method: "GET",
  path: "/v2/x/manifests/1",
  scope: "repository:x:pull",
  what: "manifest of x",
} as const;

describe("RegistryTransport", () => {
  it("chooses endpoints: mirrors, plain HTTP for loopback and insecure hosts, Docker Hub's API host", () => {
    const t = new RegistryTransport({
      mirrors: [{ registry: "docker.io", url: "http://127.0.0.1:5000/" }],
      insecureRegistries: ["reg.lan:5000"],
    });
    expect(t.endpoint("docker.io")).toEqual({ registry: "127.0.0.1:5000", baseUrl: "http://127.0.0.1:5000" });
    expect(t.endpoint("localhost:5000").baseUrl).toBe("http://localhost:5000");
    expect(t.endpoint("127.0.0.5:1").baseUrl).toBe("http://127.0.0.5:1");
    expect(t.endpoint("reg.lan:5000").baseUrl).toBe("http://reg.lan:5000");
    expect(t.endpoint("ghcr.io").baseUrl).toBe("https://ghcr.io");
    expect(new RegistryTransport().endpoint("docker.io").baseUrl).toBe("https://registry-1.docker.io");
    expect(isLoopback("[::1]:5000")).toBe(true);
    expect(isLoopback("128.0.0.1")).toBe(false);
  });

  it("retries 503 and 429 (honouring Retry-After), then succeeds", async () => {
    let n = 0;
    const waits: number[] = [];
    const host = await serve((_req, res) => {
      n++;
      if (n === 1) res.writeHead(503).end();
      else if (n === 2) res.writeHead(429, { "Retry-After": "2" }).end();
      else res.writeHead(200).end("ok");
    });
    const t = new RegistryTransport({ sleep: async (ms) => void waits.push(ms) });
    const response = await t.request(t.endpoint(host), get);
    expect(await response.text()).toBe("ok");
    expect(n).toBe(3);
    expect(waits[1]).toBe(2000);
  });

  it("gives up after the retry budget with the registry's answer", async () => {
    const host = await serve((_req, res) =>
      res
        .writeHead(500, { "Content-Type": "application/json" })
        .end('{"errors":[{"code":"UNKNOWN","message":"boom"}]}'),
    );
    const t = new RegistryTransport({ retries: 2, sleep: noSleep });
    await expect(t.request(t.endpoint(host), get)).rejects.toMatchObject({
      code: "OCI_TOO_MANY_RETRIES",
      message: `manifest of x: ${host} answered 500 UNKNOWN: boom (after 3 attempts)`,
    });
  });

  it("retries connection errors and reports the cause when they persist", async () => {
    const host = await serve((req) => req.socket.destroy());
    const t = new RegistryTransport({ retries: 1, sleep: noSleep });
    await expect(t.request(t.endpoint(host), get)).rejects.toMatchObject({
      code: "OCI_NETWORK",
      message: expect.stringContaining("after 2 attempts"),
    });
  });

  it("answers a 401 challenge through the authenticator once, then sends its credentials", async () => {
    const seen: (string | undefined)[] = [];
    const host = await serve((req, res) => {
      seen.push(req.headers.authorization);
      if (req.headers.authorization !== "Bearer good")
        res.writeHead(401, { "WWW-Authenticate": 'Bearer realm="x",service="y"' }).end();
      else res.writeHead(200).end();
    });
    let token = "";
    const t = new RegistryTransport({
      authenticator: {
        headersFor: async (): Promise<Record<string, string>> =>
          token ? { Authorization: `Bearer ${token}` } : {},
        challenged: async (_registry, scope, header) => {
          expect(scope).toBe("repository:x:pull");
          expect(header).toContain("Bearer");
          token = "good";
        },
      },
    });
    expect((await t.request(t.endpoint(host), get)).status).toBe(200);
    expect(seen).toEqual([undefined, "Bearer good"]);
  });

  it("fails with OCI_UNAUTHORIZED when credentials are still refused", async () => {
    const host = await serve((_req, res) =>
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="r"' }).end(),
    );
    const t = new RegistryTransport({
      authenticator: { headersFor: async () => ({ Authorization: "Basic bad" }), challenged: async () => {} },
    });
    await expect(t.request(t.endpoint(host), get)).rejects.toMatchObject({
      code: "OCI_UNAUTHORIZED",
      message: expect.stringContaining(`docker login ${host}`),
    });
  });

  it("follows redirects to another origin without sending credentials there", async () => {
    let storageAuth: string | undefined = "unset";
    const storage = await serve((req, res) => {
      storageAuth = req.headers.authorization;
      res.writeHead(200).end("blob");
    });
    const host = await serve((req, res) => {
      expect(req.headers.authorization).toBe("Bearer t");
      res.writeHead(307, { Location: `http://${storage}/bucket/blob?sig=1` }).end();
    });
    const t = new RegistryTransport({
      authenticator: { headersFor: async () => ({ Authorization: "Bearer t" }), challenged: async () => {} },
    });
    const response = await t.request(t.endpoint(host), { ...get, headers: { Authorization: "Bearer leak" } });
    expect(await response.text()).toBe("blob");
    expect(storageAuth).toBeUndefined();
  });

  it("returns accepted statuses to the caller and maps 404 and 403", async () => {
    const host = await serve((req, res) => res.writeHead(req.url?.includes("denied") ? 403 : 404).end());
    const t = new RegistryTransport({ sleep: noSleep });
    expect((await t.request(t.endpoint(host), { ...get, accept: [404] })).status).toBe(404);
    await expect(t.request(t.endpoint(host), get)).rejects.toMatchObject({ code: "OCI_NOT_FOUND" });
    await expect(t.request(t.endpoint(host), { ...get, path: "/v2/denied" })).rejects.toMatchObject({
      code: "OCI_DENIED",
    });
  });

  it("times out when the headers do not come", async () => {
    const host = await serve(() => {});
    const t = new RegistryTransport({ retries: 0, timeoutMs: 100, sleep: noSleep });
    await expect(t.request(t.endpoint(host), get)).rejects.toMatchObject({
      code: "OCI_NETWORK",
      message: expect.stringContaining("timed out"),
    });
  });
});
