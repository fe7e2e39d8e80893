import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { connectQmp, type QmpEvent } from "./qmp.js";

// qemu with no machine starts at once and serves QMP: a real peer without booting a guest.
const QEMU = "qemu-system-x86_64";

let dir: string;
let socketPath: string;
const children: ChildProcess[] = [];
const servers: Server[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ocikit-qmp-"));
  socketPath = join(dir, "qmp.sock");
});
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await once(child, "exit");
    }
  }
  for (const server of servers.splice(0)) server.close();
  await rm(dir, { recursive: true, force: true });
});

function startQemu(): ChildProcess {
  const child = spawn(
    QEMU,
    ["-machine", "none", "-nodefaults", "-display", "none", "-qmp", `unix:${socketPath},server=on,wait=off`],
    { stdio: "ignore" },
  );
  children.push(child);
  return child;
}

describe("connectQmp against a real qemu", () => {
  it("waits for the socket, negotiates, answers query-status and reports qemu's version", async () => {
    // Connect first: the client must retry until qemu has created the socket.
    const connecting = connectQmp(socketPath, { timeoutMs: 5000 });
    startQemu();
    const qmp = await connecting;
    expect(qmp.greeting.version.qemu.major).toBeGreaterThanOrEqual(7);
    expect(await qmp.execute("query-status")).toMatchObject({ status: "running", running: true });
    qmp.close();
    await qmp.closed;
    expect(qmp.isClosed).toBe(true);
  });

  it("rejects a command qemu does not know with QMP's desc", async () => {
    startQemu();
    const qmp = await connectQmp(socketPath);
    const failure = qmp.execute("no-such-command");
    await expect(failure).rejects.toMatchObject({ code: "HV_QEMU_FAILED" });
    await expect(failure).rejects.toThrow(/The command no-such-command has not been found/);
    qmp.close();
  });

  it("collects events and quits qemu", async () => {
    const child = startQemu();
    const seen: QmpEvent[] = [];
    const qmp = await connectQmp(socketPath, { onEvent: (event) => seen.push(event) });
    const exited = once(child, "exit");
    // system_powerdown with no guest only raises the POWERDOWN event.
    await qmp.execute("system_powerdown");
    await qmp.execute("quit");
    const [code] = await exited;
    await qmp.closed;
    expect(code).toBe(0);
    expect(seen.map((event) => event.event)).toEqual(["POWERDOWN", "SHUTDOWN"]);
    expect(qmp.events.at(-1)?.data).toMatchObject({ guest: false, reason: "host-qmp-quit" });
    await expect(qmp.execute("query-status")).rejects.toMatchObject({ code: "HV_QEMU_FAILED" });
  });

  it("gives up with HV_QEMU_FAILED when no qemu appears", async () => {
    const started = performance.now();
    await expect(connectQmp(socketPath, { timeoutMs: 200 })).rejects.toMatchObject({
      code: "HV_QEMU_FAILED",
      message: expect.stringContaining("ENOENT"),
    });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("stops retrying when aborted", async () => {
    const controller = new AbortController();
    const connecting = connectQmp(socketPath, { timeoutMs: 10_000, signal: controller.signal });
    controller.abort(new Error("no longer wanted"));
    await expect(connecting).rejects.toThrow("no longer wanted");
  });
});

describe("connectQmp framing", () => {
  it("reassembles messages split across chunks and matches replies by id", async () => {
    // A scripted peer: the greeting in two pieces, then replies out of order around an event.
    const server = createServer((peer) => {
      peer.write('{"QMP": {"version": {"qemu": {"major": 9, "minor": 0, "micro": 1}, "pack');
      setTimeout(() => peer.write('age": ""}, "capabilities": []}}\r\n'), 20);
      let buffered = "";
      peer.on("data", (data) => {
        buffered += data.toString();
        const lines = buffered.split("\n");
        buffered = lines.pop() ?? "";
        for (const line of lines) {
          const { execute, id } = JSON.parse(line) as { execute: string; id: number };
          if (execute === "qmp_capabilities") peer.write(`{"return": {}, "id": ${id}}\r\n`);
          if (execute === "first") setTimeout(() => peer.write(`{"return": 1, "id": ${id}}\r\n`), 50);
          if (execute === "second")
            peer.write(`{"event": "RESET", "data": {"guest": true}}\r\n{"return": 2, "id": ${id}}\r\n`);
        }
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    const events: string[] = [];
    const qmp = await connectQmp(socketPath, { onEvent: (event) => events.push(event.event) });
    expect(qmp.greeting.version.qemu).toEqual({ major: 9, minor: 0, micro: 1 });
    const [first, second] = await Promise.all([qmp.execute("first"), qmp.execute("second")]);
    expect([first, second]).toEqual([1, 2]);
    expect(events).toEqual(["RESET"]);
    qmp.close();
  });
});
