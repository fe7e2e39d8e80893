import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MAX_SOCKET_PATH_BYTES, prepareStateDir } from "./state-dir.js";

let dir: string;
const children: ChildProcess[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ocikit-state-"));
});
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

async function waitFor(path: string): Promise<void> {
  for (let i = 0; i < 200 && !existsSync(path); i++) await new Promise((r) => setTimeout(r, 20));
  if (!existsSync(path)) throw new Error(`${path} did not appear`);
}

describe("prepareStateDir", () => {
  it("creates the directory and places the run's files in it", async () => {
    const state = join(dir, "out", "minimal-state");
    const paths = await prepareStateDir(state);
    expect(statSync(state).isDirectory()).toBe(true);
    expect(paths).toEqual({
      dir: state,
      pidFile: join(state, "qemu.pid"),
      qmpSocket: join(state, "qmp.sock"),
      consoleLog: join(state, "console.log"),
      macAddr: join(state, "mac-addr"),
      dataIso: join(state, "data.iso"),
      efiVars: join(state, "efi-vars.fd"),
    });
  });

  it("makes relative paths absolute", async () => {
    const paths = await prepareStateDir(join(dir, "a", "..", "b"));
    expect(paths.dir).toBe(join(dir, "b"));
  });

  it("puts the QMP socket in a short temporary directory when <state>/qmp.sock is too long", async () => {
    const deep = join(dir, "x".repeat(MAX_SOCKET_PATH_BYTES));
    const paths = await prepareStateDir(deep, { tmpDir: dir });
    expect(paths.pidFile).toBe(join(deep, "qemu.pid"));
    expect(paths.qmpSocketDir).toBeDefined();
    expect(paths.qmpSocket).toBe(join(paths.qmpSocketDir as string, "qmp.sock"));
    expect(paths.qmpSocket.startsWith(join(dir, "ocikit-qmp-"))).toBe(true);
    expect(Buffer.byteLength(paths.qmpSocket)).toBeLessThanOrEqual(MAX_SOCKET_PATH_BYTES);
    expect(statSync(paths.qmpSocketDir as string).isDirectory()).toBe(true);
  });

  it("accepts a stale pid file (no such process) and one naming a process that is not qemu", async () => {
    const gone = spawnSync("true").pid;
    writeFileSync(join(dir, "qemu.pid"), `${gone}\n`);
    await expect(prepareStateDir(dir)).resolves.toMatchObject({ dir });
    writeFileSync(join(dir, "qemu.pid"), `${process.pid}\n`);
    await expect(prepareStateDir(dir)).resolves.toMatchObject({ dir });
    writeFileSync(join(dir, "qemu.pid"), "garbage");
    await expect(prepareStateDir(dir)).resolves.toMatchObject({ dir });
  });

  it("refuses a state directory a live qemu runs from (HV_STATE)", async () => {
    const pidFile = join(dir, "qemu.pid");
    const qemu = spawn(
      "qemu-system-x86_64",
      ["-machine", "none", "-display", "none", "-monitor", "none", "-S", "-pidfile", pidFile],
      { stdio: "ignore" },
    );
    children.push(qemu);
    await waitFor(pidFile);
    const error = await prepareStateDir(dir).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "HV_STATE" });
    expect((error as Error).message).toContain(`qemu pid ${qemu.pid}`);
  });

  it("says when the directory cannot be created (HV_STATE)", async () => {
    writeFileSync(join(dir, "file"), "");
    await expect(prepareStateDir(join(dir, "file", "state"))).rejects.toMatchObject({ code: "HV_STATE" });
  });
});
