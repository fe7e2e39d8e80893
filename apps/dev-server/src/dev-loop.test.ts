/**
 * The loop's logic with real files and real watchers, and injected `build` and `boot`: a fake build
 * that records its calls (and can be held), and fake VMs that record being stopped. The loop with the
 * real build and qemu is dev-loop.e2e.test.ts.
 */
import { watch } from "node:fs";
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { VmEnd } from "@ocikit/hypervisor";
import type { LoadedConfig } from "@ocikit/spec";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { type DevLoop, type DevLoopOptions, type DevLoopVm, startDevLoop } from "./dev-loop.js";
import type { BuildRecord, ServerMessage } from "./protocol.js";

const VALID = `kernel:
  image: ocikit-test/kernel:6.1
  cmdline: "console=ttyS0"
init:
  - ocikit-test/init:1
files:
  - path: etc/ocikit/example
    source: example.txt
`;
// `cmdlin` on line 3, column 3.
const INVALID = VALID.replace("  cmdline:", "  cmdlin:");
const DEBOUNCE_MS = 100;

let dir: string;
let yml: string;
let log: string[];
let messages: ServerMessage[];
let vms: FakeVm[];
let hold: Deferred | undefined;
let loop: DevLoop | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ocikit-dev-loop-"));
  yml = join(dir, "minimal.yml");
  await writeFile(yml, VALID);
  await writeFile(join(dir, "example.txt"), "one\n");
  log = [];
  messages = [];
  vms = [];
  hold = undefined;
  loop = undefined;
  stopping = "at-once";
});
afterEach(async () => {
  await loop?.close();
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

interface Deferred {
  readonly promise: Promise<void>;
  release(): void;
}
function deferred(): Deferred {
  let release: () => void = () => undefined;
  const promise = new Promise<void>((done) => {
    release = done;
  });
  return { promise, release };
}

interface FakeVm extends DevLoopVm {
  readonly name: string;
  print(text: string): void;
}

/** How the next fake VMs take `stop()`: end at once, ignore it silently, or print while shutting down. */
let stopping: "at-once" | "silent" | "chatty" = "at-once";

const vmEnd = (reason: VmEnd["reason"]): VmEnd => ({
  reason,
  clean: reason === "stopped",
  exitCode: 0,
  signal: null,
  qemuStderr: "",
  elapsedMs: 1,
  summary: reason,
});

function fakeVm(name: string): FakeVm {
  const listeners = new Set<(chunk: Uint8Array) => void>();
  const behaviour = stopping;
  let end: (e: VmEnd) => void = () => undefined;
  const ended = new Promise<VmEnd>((done) => {
    end = done;
  });
  const print = (text: string) => {
    for (const listener of listeners) listener(new TextEncoder().encode(text));
  };
  return {
    name,
    accel: "tcg",
    ended,
    console: {
      subscribe(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      write: () => undefined,
    },
    async kill(why) {
      log.push(`kill ${name}: ${why}`);
      end(vmEnd("killed"));
      return ended;
    },
    async stop(options) {
      log.push(`stop ${name} graceMs=${options?.graceMs}`);
      if (behaviour === "at-once") end(vmEnd("stopped"));
      if (behaviour === "chatty") {
        // A guest running its shutdown: a line every 100 ms for 0.6 s, then it powers off.
        for (let i = 1; i <= 6; i++) setTimeout(() => print(`shutdown step ${i}\n`), i * 100);
        setTimeout(() => end(vmEnd("stopped")), 650);
      }
      return ended;
    },
    print,
  };
}

/** Boots a fake VM without logging it (for tests whose log is about builds and stops only). */
async function bootQuietly(): Promise<FakeVm> {
  const vm = fakeVm(`vm${vms.length + 1}`);
  vms.push(vm);
  return vm;
}

/** Starts the loop on `minimal.yml` with the logging fake build and boot, or the ones in `options`. */
function start(options: Partial<DevLoopOptions> = {}): DevLoop {
  let builds = 0;
  loop = startDevLoop({
    files: ["minimal.yml"],
    cwd: dir,
    outDir: join(dir, "out"),
    debounceMs: DEBOUNCE_MS,
    build: async (loaded: LoadedConfig, { dir: outDir }) => {
      builds++;
      log.push(`build ${builds} ${loaded.config.kernel?.cmdline}`);
      await hold?.promise;
      return { kernelPrefix: join(outDir, `minimal-${builds}`) };
    },
    boot: async (prefix) => {
      const vm = fakeVm(`vm${vms.length + 1}`);
      vms.push(vm);
      log.push(`boot ${vm.name} ${prefix.split("/").pop()}`);
      return vm;
    },
    publish: (m) => messages.push(m),
    ...options,
  });
  return loop;
}

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; log: ${log.join(" | ")}`);
    await sleep(10);
  }
}
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const builds = () => log.filter((l) => l.startsWith("build"));
const records = () =>
  messages.flatMap((m) => (m.type === "build" ? [m.build] : [])).filter((b) => b.status !== "running");
const lastRecord = (): BuildRecord | undefined => records().at(-1);

/** Starts the loop and waits for the first VM. */
async function started(): Promise<DevLoop> {
  const l = start();
  await until("the first boot", () => vms.length === 1);
  return l;
}

it("builds and boots at start, and publishes the record, the VM's state and its console", async () => {
  const l = await started();
  expect(log).toEqual(["build 1 console=ttyS0", "boot vm1 minimal-1"]);
  expect(records().map((r) => [r.id, r.reason, r.status])).toEqual([[1, "start", "succeeded"]]);
  expect(l.vm()).toEqual({ state: "booting", buildId: 1, accel: "tcg" });
  vms[0]?.print("ocikit-init: welcome\n");
  expect(l.vm()).toEqual({ state: "running", buildId: 1, accel: "tcg" });
  const consoleText = messages
    .flatMap((m) => (m.type === "console" ? [Buffer.from(m.data, "base64").toString()] : []))
    .join("");
  expect(consoleText).toBe("ocikit-init: welcome\n");
  expect(messages.filter((m) => m.type === "vm").map((m) => m.type === "vm" && m.vm.state)).toEqual([
    "booting",
    "running",
  ]);
  expect(l.files().sort()).toEqual([join(dir, "example.txt"), yml]);
});

it("debounces a burst: three writes in 50 ms make one build", async () => {
  await started();
  for (const n of [1, 2, 3]) {
    await writeFile(yml, VALID.replace("console=ttyS0", `console=ttyS0 n=${n}`));
    await sleep(20);
  }
  await until("the rebuild", () => builds().length === 2);
  await sleep(DEBOUNCE_MS * 4);
  expect(builds()).toEqual(["build 1 console=ttyS0", "build 2 console=ttyS0 n=3"]);
  expect(lastRecord()?.reason).toBe("minimal.yml");
});

it("reports an invalid edit with file, line, column and the line, and keeps the old VM", async () => {
  const l = await started();
  await writeFile(yml, INVALID);
  await until("the invalid record", () => lastRecord()?.status === "invalid");
  expect(lastRecord()?.problems).toEqual([
    expect.objectContaining({ file: "minimal.yml", line: 3, col: 3, source: '  cmdlin: "console=ttyS0"' }),
  ]);
  await sleep(DEBOUNCE_MS * 2);
  expect(builds()).toHaveLength(1);
  expect(log.some((l) => l.startsWith("stop"))).toBe(false);
  expect(l.vm()).toMatchObject({ state: "booting", buildId: 1 });
});

it("on a valid edit builds, then stops the old VM gracefully, then boots the new one", async () => {
  const l = await started();
  await writeFile(yml, VALID.replace("console=ttyS0", "console=ttyS0 quiet"));
  await until("the second boot", () => vms.length === 2);
  expect(log).toEqual([
    "build 1 console=ttyS0",
    "boot vm1 minimal-1",
    "build 2 console=ttyS0 quiet",
    "stop vm1 graceMs=3000",
    "boot vm2 minimal-2",
  ]);
  expect(l.vm()).toMatchObject({ state: "booting", buildId: 2 });
  const states = messages.flatMap((m) => (m.type === "vm" ? [`${m.vm.state}`] : []));
  expect(states).toEqual(["booting", "stopped", "booting"]);
});

it("keeps the old VM when the build fails, with the error on the record", async () => {
  let calls = 0;
  start({
    build: async () => {
      calls++;
      if (calls === 2) throw new Error("cannot pull ocikit-test/kernel:6.1: offline");
      return { kernelPrefix: join(dir, "out", "minimal") };
    },
    boot: bootQuietly,
  });
  await until("the first boot", () => vms.length === 1);
  await writeFile(yml, `${VALID}\n`);
  await until("the failed record", () => lastRecord()?.status === "failed");
  expect(lastRecord()?.error).toBe("cannot pull ocikit-test/kernel:6.1: offline");
  expect(log).toEqual([]); // vm1 never stopped
  expect(vms).toHaveLength(1);
});

it("queues exactly one more build for changes made during a build", async () => {
  await started();
  hold = deferred();
  await writeFile(yml, VALID.replace("console=ttyS0", "console=ttyS0 a"));
  await until("the held build", () => builds().length === 2);
  await writeFile(yml, VALID.replace("console=ttyS0", "console=ttyS0 b"));
  await sleep(DEBOUNCE_MS * 3);
  await writeFile(yml, VALID.replace("console=ttyS0", "console=ttyS0 c"));
  await sleep(DEBOUNCE_MS * 3);
  expect(builds()).toHaveLength(2);
  hold.release();
  await until("the third boot", () => vms.length === 3);
  await sleep(DEBOUNCE_MS * 3);
  expect(builds()).toEqual(["build 1 console=ttyS0", "build 2 console=ttyS0 a", "build 3 console=ttyS0 c"]);
});

it("rebuilds when a files: source: file changes", async () => {
  await started();
  await writeFile(join(dir, "example.txt"), "two\n");
  await until("the rebuild", () => builds().length === 2);
  expect(lastRecord()?.reason).toBe("example.txt");
});

it("rebuilds on an editor's save: a new file renamed over the old one", async () => {
  await started();
  await writeFile(join(dir, ".minimal.yml.swp"), VALID.replace("console=ttyS0", "console=ttyS0 renamed"));
  await rename(join(dir, ".minimal.yml.swp"), yml);
  await until("the rebuild", () => builds().length === 2);
  expect(builds().at(-1)).toBe("build 2 console=ttyS0 renamed");
});

it("watches a source the YAML starts naming, and stops watching one it no longer names", async () => {
  const l = await started();
  await writeFile(join(dir, "other.txt"), "x\n");
  await writeFile(yml, VALID.replace("example.txt", "other.txt"));
  await until("the rebuild", () => builds().length === 2);
  expect(l.files().sort()).toEqual([yml, join(dir, "other.txt")].sort());
  await writeFile(join(dir, "example.txt"), "no longer watched\n");
  await sleep(DEBOUNCE_MS * 3);
  expect(builds()).toHaveLength(2);
  await writeFile(join(dir, "other.txt"), "y\n");
  await until("the rebuild of other.txt", () => builds().length === 3);
});

it("watches a directory source with everything below it, but not the loop's own outputs in it", async () => {
  await mkdir(join(dir, "tree/sub/deeper"), { recursive: true });
  await writeFile(join(dir, "tree/sub/deeper/f"), "1\n");
  await writeFile(
    yml,
    VALID.replace("path: etc/ocikit/example\n    source: example.txt", "path: srv\n    source: tree"),
  );
  const l = start({
    outDir: join(dir, "tree/out"),
    build: async (_loaded, { dir: outDir }) => {
      log.push("build");
      await mkdir(outDir, { recursive: true });
      await writeFile(join(outDir, "minimal-initrd.img"), `${Math.random()}`); // outputs inside the tree
      return { kernelPrefix: join(outDir, "minimal") };
    },
    boot: bootQuietly,
  });
  await until("the first build", () => builds().length === 1);
  expect(l.files()).toContain(join(dir, "tree"));
  await sleep(DEBOUNCE_MS * 3);
  expect(builds()).toHaveLength(1); // its own output did not trigger a build
  await writeFile(join(dir, "tree/sub/deeper/f"), "2\n");
  await until("the rebuild of a file deep in the tree", () => records().length === 2);
  expect(records().at(-1)?.reason).toBe("tree");
  await writeFile(join(dir, "tree/sub/new"), "x\n");
  await until("the rebuild after a new file", () => builds().length === 3);
});

it("reboot restarts the image without building; stop stops the VM", async () => {
  const l = await started();
  await l.reboot();
  expect(log).toEqual([
    "build 1 console=ttyS0",
    "boot vm1 minimal-1",
    "stop vm1 graceMs=3000",
    "boot vm2 minimal-1",
  ]);
  await l.stop();
  expect(log.at(-1)).toBe("stop vm2 graceMs=3000");
  expect(l.vm()).toMatchObject({ state: "stopped", buildId: 1 });
});

it("kills a VM whose console stays quiet after the power button, without waiting out the grace", async () => {
  stopping = "silent";
  const l = start({ stopQuietMs: 200 });
  await until("the first boot", () => vms.length === 1);
  const asked = Date.now();
  await l.stop();
  const waited = Date.now() - asked;
  expect(log.slice(-2)).toEqual([
    "stop vm1 graceMs=3000",
    "kill vm1: its console was quiet for 0.2 s after the power button",
  ]);
  expect(waited).toBeGreaterThanOrEqual(190);
  expect(waited).toBeLessThan(3000);
  expect(l.vm()).toMatchObject({ state: "stopped", buildId: 1, end: { reason: "killed" } });
});

it("lets a VM that prints while shutting down power off by itself", async () => {
  stopping = "chatty";
  const l = start({ stopQuietMs: 200 });
  await until("the first boot", () => vms.length === 1);
  await l.stop();
  expect(log.at(-1)).toBe("stop vm1 graceMs=3000");
  expect(l.vm()).toMatchObject({ state: "stopped", end: { reason: "stopped" } });
});

it("closing (the signal) stops the VM and removes the watchers", async () => {
  // node:fs exports no FSWatcher class to spy on: take the prototype of a watcher.
  const probe = watch(dir);
  const closeSpy = vi.spyOn(Object.getPrototypeOf(probe) as { close(): void }, "close");
  probe.close();
  closeSpy.mockClear();
  const abort = new AbortController();
  const l = start({
    build: async () => {
      log.push("build");
      return { kernelPrefix: join(dir, "out", "minimal") };
    },
    boot: bootQuietly,
    signal: abort.signal,
  });
  await until("the first boot", () => vms.length === 1);
  abort.abort();
  await l.closed;
  expect(closeSpy).toHaveBeenCalledTimes(1); // one directory watched: the YAML's and the source's
  expect(log).toEqual(["build", "stop vm1 graceMs=3000"]);
  await writeFile(yml, `${VALID}\n`);
  await sleep(DEBOUNCE_MS * 3);
  expect(log).toEqual(["build", "stop vm1 graceMs=3000"]);
});
