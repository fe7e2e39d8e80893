import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openWebSocket, rawGet, type TestSocket } from "../test/ws-client.js";
import { DevHub } from "./dev-hub.js";
import type { ClientMessage } from "./protocol.js";
import { type DevServer, startDevServer } from "./server.js";

const TOKEN = "0123456789abcdef".repeat(4);
const b64 = (s: string) => Buffer.from(s).toString("base64");

let root: string;
let staticDir: string;
const servers: DevServer[] = [];
const sockets: TestSocket[] = [];

beforeAll(async () => {
  // staticDir is a subdirectory, so "../secret.txt" exists and must not be reachable.
  root = await mkdtemp(join(tmpdir(), "ocikit-dev-server-"));
  staticDir = join(root, "page");
  await mkdir(join(staticDir, "assets"), { recursive: true });
  await writeFile(join(staticDir, "index.html"), "<!doctype html><title>built page</title>");
  await writeFile(join(staticDir, "assets", "app.js"), "console.log('page')");
  await writeFile(join(root, "secret.txt"), "secret");
});
afterAll(() => rm(root, { recursive: true, force: true }));
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(options: { staticDir?: string; port?: number } = {}) {
  const hub = new DevHub({ files: ["linuxkit.yml"] });
  const server = await startDevServer({ hub, token: TOKEN, ...options });
  servers.push(server);
  return { hub, server, base: `http://127.0.0.1:${server.port}` };
}

async function connect(port: number, path = `/ws?token=${TOKEN}`, headers: Record<string, string> = {}) {
  const result = await openWebSocket(port, path, headers);
  if (!result.ok) throw new Error(`upgrade refused: ${result.status}`);
  sockets.push(result.socket);
  return result.socket;
}

describe("startDevServer", () => {
  it("prints a url with the token on 127.0.0.1 and a random token by default", async () => {
    const hub = new DevHub();
    const server = await startDevServer({ hub });
    servers.push(server);
    expect(server.token).toMatch(/^[0-9a-f]{64}$/);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("not built yet");
  });

  it("serves the built page and sets the token cookie on the first token-bearing load", async () => {
    const { base } = await start({ staticDir });
    const res = await fetch(`${base}/?token=${TOKEN}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("built page");
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toContain(`ocikit_token=${TOKEN}`);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer"); // the URL holds the token
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const asset = await fetch(`${base}/assets/app.js`, { headers: { cookie: `ocikit_token=${TOKEN}` } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toContain("javascript");
  });

  it("sends the hardening headers on refusals too", async () => {
    const { base } = await start({ staticDir });
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(403);
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
  });

  it("serves the hello snapshot at /api/state", async () => {
    const { base, hub } = await start();
    hub.publish({ type: "console", data: b64("boot") });
    const res = await fetch(`${base}/api/state?token=${TOKEN}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(hub.hello());
  });

  it("sends hello on connect, fans a console message out to two pages, and passes input on", async () => {
    const { server, hub } = await start();
    hub.publish({ type: "vm", vm: { state: "running", buildId: 1, accel: "tcg" } });
    const got: ClientMessage[] = [];
    hub.onClientMessage((m) => got.push(m));
    const a = await connect(server.port);
    const b = await connect(server.port, "/ws", { Cookie: `ocikit_token=${TOKEN}` });
    for (const s of [a, b]) {
      expect(await s.next()).toMatchObject({
        type: "hello",
        files: ["linuxkit.yml"],
        vm: { state: "running" },
      });
    }
    await expect.poll(() => hub.connections).toBe(2);
    hub.publish({ type: "console", data: b64("login: ") });
    expect(await a.next()).toEqual({ type: "console", data: b64("login: ") });
    expect(await b.next()).toEqual({ type: "console", data: b64("login: ") });
    a.send("garbage");
    a.send(JSON.stringify({ type: "input", data: b64("root\r") }));
    await expect.poll(() => got).toEqual([{ type: "input", data: b64("root\r") }]);
    a.close();
    await expect.poll(() => hub.connections).toBe(1);
  });

  it.each<[string, (port: number) => { path: string; headers: Record<string, string> }]>([
    ["no token", () => ({ path: "/api/state", headers: {} })],
    ["a wrong token", () => ({ path: `/api/state?token=${"f".repeat(64)}`, headers: {} })],
    ["a wrong cookie", () => ({ path: "/api/state", headers: { Cookie: "ocikit_token=nope" } })],
    [
      "a foreign Origin",
      () => ({ path: `/api/state?token=${TOKEN}`, headers: { Origin: "http://evil.example" } }),
    ],
    ["Origin null", () => ({ path: `/api/state?token=${TOKEN}`, headers: { Origin: "null" } })],
    [
      "a foreign Host",
      (p) => ({ path: `/api/state?token=${TOKEN}`, headers: { Host: `evil.example:${p}` } }),
    ],
    ["another port in Host", () => ({ path: `/?token=${TOKEN}`, headers: { Host: "127.0.0.1:1" } })],
  ])("refuses HTTP requests with %s (403)", async (_name, make) => {
    const { server } = await start({ staticDir });
    const { path, headers } = make(server.port);
    expect((await rawGet(server.port, path, headers)).status).toBe(403);
  });

  it("accepts its own Origin", async () => {
    const { server, base } = await start();
    const res = await rawGet(server.port, `/api/state?token=${TOKEN}`, { Origin: base });
    expect(res.status).toBe(200);
  });

  it.each<[string, (port: number) => { path: string; headers: Record<string, string> }]>([
    ["no token", () => ({ path: "/ws", headers: {} })],
    ["a wrong token", () => ({ path: "/ws?token=nope", headers: {} })],
    ["a foreign Origin", () => ({ path: `/ws?token=${TOKEN}`, headers: { Origin: "http://evil.example" } })],
    ["a foreign Host", (p) => ({ path: `/ws?token=${TOKEN}`, headers: { Host: `evil.example:${p}` } })],
  ])("refuses WebSocket upgrades with %s (403)", async (_name, make) => {
    const { server, hub } = await start();
    const { path, headers } = make(server.port);
    expect(await openWebSocket(server.port, path, headers)).toEqual({ ok: false, status: 403 });
    expect(hub.connections).toBe(0);
  });

  it.each([
    "/../secret.txt",
    "/%2e%2e/secret.txt",
    "/assets/..%2f..%2fsecret.txt",
    "/assets/%2e%2e/%2e%2e/secret.txt",
    "/..%5csecret.txt",
    "//etc/passwd",
    "/%2fetc%2fpasswd",
    "/assets",
    "/.hidden",
    "/%E0%A4%A",
  ])("serves no file outside the page for %s", async (path) => {
    const { server } = await start({ staticDir });
    await writeFile(join(staticDir, ".hidden"), "x");
    const res = await rawGet(server.port, path, { Cookie: `ocikit_token=${TOKEN}` });
    expect(res.status).toBe(404);
    expect(res.body).not.toContain("secret");
  });

  it("fails with DEV_LISTEN when the port is taken", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startDevServer({ hub: new DevHub(), port })).rejects.toMatchObject({
        code: "DEV_LISTEN",
        message: expect.stringContaining(`port ${port} on 127.0.0.1 is in use`),
      });
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it("fails with DEV_LISTEN when the address is not this machine's", async () => {
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never assigned to a host.
    await expect(startDevServer({ hub: new DevHub(), host: "192.0.2.1", port: 0 })).rejects.toMatchObject({
      code: "DEV_LISTEN",
      message: expect.stringContaining("cannot listen on 192.0.2.1:0"),
    });
  });

  it("close() closes the sockets and frees the port", async () => {
    const hub = new DevHub();
    const server = await startDevServer({ hub, token: TOKEN });
    const socket = await connect(server.port);
    await socket.next();
    // A keep-alive HTTP connection too: close() must not wait for it to idle out.
    await fetch(`http://127.0.0.1:${server.port}/api/state?token=${TOKEN}`);
    await server.close();
    await socket.ended;
    expect(hub.connections).toBe(0);
    const again = await startDevServer({ hub, token: TOKEN, port: server.port });
    servers.push(again);
    expect(again.port).toBe(server.port);
  });

  it("closes when its signal is aborted", async () => {
    const controller = new AbortController();
    const server = await startDevServer({ hub: new DevHub(), signal: controller.signal });
    controller.abort();
    await server.close();
    await expect(fetch(server.url)).rejects.toThrow();
  });
});
