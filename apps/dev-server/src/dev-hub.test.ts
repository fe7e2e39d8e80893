import { describe, expect, it } from "vitest";
import { DevHub, parseClientMessage } from "./dev-hub.js";
import type { BuildRecord, ClientMessage, ImageSummary } from "./protocol.js";

const b64 = (s: string) => Buffer.from(s).toString("base64");
const record = (id: number, status: BuildRecord["status"] = "running"): BuildRecord => ({
  id,
  startedAt: "2026-11-28T11:00:00.000Z",
  reason: "start",
  status,
});

describe("DevHub", () => {
  it("sends hello on connect and published messages to every connection", () => {
    const hub = new DevHub({ files: ["a.yml"] });
    const a: unknown[] = [];
    const b: unknown[] = [];
    hub.connect((t) => a.push(JSON.parse(t)));
    const cb = hub.connect((t) => b.push(JSON.parse(t)));
    expect(hub.connections).toBe(2);
    expect(a[0]).toEqual({
      type: "hello",
      files: ["a.yml"],
      history: [],
      vm: { state: "none" },
      console: "",
    });
    hub.publish({ type: "console", data: b64("hi") });
    cb.disconnect();
    cb.disconnect();
    hub.publish({ type: "console", data: b64("!") });
    expect(hub.connections).toBe(1);
    expect(a.slice(1)).toEqual([
      { type: "console", data: b64("hi") },
      { type: "console", data: b64("!") },
    ]);
    expect(b.slice(1)).toEqual([{ type: "console", data: b64("hi") }]);
  });

  it("keeps the last image summary for the next page's hello", () => {
    const hub = new DevHub();
    expect(hub.hello().image).toBeUndefined();
    const image = (buildId: number): ImageSummary => ({
      buildId,
      kernelBytes: 10,
      initrdBytes: 20,
      ucodeBytes: 0,
      cmdline: "console=ttyS0",
      sections: [],
      entries: [{ path: "etc", type: "dir", mode: 0o755, uid: 0, gid: 0, size: 0, section: 0 }],
    });
    hub.publish({ type: "image", image: image(1) });
    hub.publish({ type: "image", image: image(2) });
    const seen: unknown[] = [];
    hub.connect((t) => seen.push(JSON.parse(t)));
    expect(seen[0]).toMatchObject({ type: "hello", image: image(2) });
  });

  it("upserts build records by id and keeps the last 20", () => {
    const hub = new DevHub();
    for (let id = 1; id <= 25; id++) hub.publish({ type: "build", build: record(id) });
    hub.publish({ type: "build", build: record(25, "succeeded") });
    const { history } = hub.hello();
    expect(history.map((b) => b.id)).toEqual(Array.from({ length: 20 }, (_, i) => i + 6));
    expect(history.at(-1)?.status).toBe("succeeded");
  });

  it("keeps the vm state and files", () => {
    const hub = new DevHub();
    hub.publish({ type: "vm", vm: { state: "running", buildId: 3, accel: "tcg" } });
    hub.setFiles(["x.yml", "y.yml"]);
    expect(hub.hello()).toMatchObject({ vm: { state: "running", buildId: 3 }, files: ["x.yml", "y.yml"] });
  });

  it("bounds the console tail, keeping the newest bytes", () => {
    const hub = new DevHub({ consoleLimitBytes: 8 });
    hub.publish({ type: "console", data: b64("abcdef") });
    hub.publish({ type: "console", data: b64("ghijk") });
    expect(Buffer.from(hub.hello().console, "base64").toString()).toBe("defghijk");
    hub.publish({ type: "console", data: b64("0123456789") });
    expect(Buffer.from(hub.hello().console, "base64").toString()).toBe("23456789");
  });

  it("bounds the console at 256 KiB by default", () => {
    const hub = new DevHub();
    const chunk = Buffer.alloc(100 * 1024, 0x61).toString("base64");
    for (let i = 0; i < 5; i++) hub.publish({ type: "console", data: chunk });
    expect(Buffer.from(hub.hello().console, "base64").length).toBe(256 * 1024);
  });

  it("hands valid client messages to the handlers and ignores the rest", () => {
    const hub = new DevHub();
    const got: ClientMessage[] = [];
    const off = hub.onClientMessage((m) => got.push(m));
    const conn = hub.connect(() => {});
    for (const text of ['{"type":"rebuild"}', "not json", '{"type":"format-disk"}', "[1]", "null"]) {
      conn.receive(text);
    }
    off();
    conn.receive('{"type":"stop"}');
    expect(got).toEqual([{ type: "rebuild" }]);
  });
});

describe("parseClientMessage", () => {
  it.each<[string, string, ClientMessage | undefined]>([
    ["input", JSON.stringify({ type: "input", data: b64("ls\r") }), { type: "input", data: b64("ls\r") }],
    [
      "input with extra fields",
      JSON.stringify({ type: "input", data: "", x: 1 }),
      { type: "input", data: "" },
    ],
    ["reboot", '{"type":"reboot"}', { type: "reboot" }],
    ["stop", '{"type":"stop"}', { type: "stop" }],
    ["input without data", '{"type":"input"}', undefined],
    ["input with non-base64 data", '{"type":"input","data":"*?"}', undefined],
    ["input with numeric data", '{"type":"input","data":5}', undefined],
    ["unknown type", '{"type":"hello"}', undefined],
    ["no type", "{}", undefined],
    ["a string", '"rebuild"', undefined],
    ["truncated JSON", '{"type":', undefined],
  ])("%s", (_name, text, want) => expect(parseClientMessage(text)).toEqual(want));
});
