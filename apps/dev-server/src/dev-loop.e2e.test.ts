/**
 * The loop with the real pipeline and the real qemu, offline: ocikit's test images imported into a
 * fresh cache, examples/minimal.yml copied to a temporary directory, @ocikit/build and `runQemu`
 * injected as the CLI injects them. Start: the init's banner on the published console. Edit the
 * `files:` entry (its path, which the hello container lists with `ls /etc/ocikit`): a build in which
 * only the `files` section is rebuilt, then the new name on the console after the reboot.
 */
import { execFile } from "node:child_process";
import { createReadStream } from "node:fs";
import { copyFile, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type BuildEvent, build } from "@ocikit/build";
import { type RunningVm, runQemu } from "@ocikit/hypervisor";
import { hostPlatform, importArchive, OciLayoutStore, RegistryTransport } from "@ocikit/oci";
import { writeTestImagesArchive } from "@ocikit/test-images";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startDevLoop } from "./dev-loop.js";
import type { ServerMessage } from "./protocol.js";

const repo = join(import.meta.dirname, "../../..");
const run = promisify(execFile);
let work: string;
let store: OciLayoutStore;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ocikit-dev-e2e-"));
  const tar = await writeTestImagesArchive(join(work, "images.tar"));
  store = await OciLayoutStore.open(join(work, "cache"), { create: true });
  await importArchive(createReadStream(tar), store, { source: tar });
}, 600_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

it("boots minimal.yml, and after an edit of its files: entry rebuilds only that section and reboots", async () => {
  const dir = join(work, "project");
  await run("mkdir", ["-p", dir]);
  const yml = join(dir, "minimal.yml");
  await copyFile(join(repo, "examples/minimal.yml"), yml);
  const messages: ServerMessage[] = [];
  const vms: RunningVm[] = [];
  const abort = new AbortController();
  const loop = startDevLoop({
    files: ["minimal.yml"],
    cwd: dir,
    outDir: join(dir, "out"),
    build: async (loaded, { dir: outDir, onEvent, signal }) => {
      // @ocikit/build takes no signal yet; the loop's own abort makes it drop the result.
      void signal;
      await build(loaded, {
        formats: ["kernel+initrd"],
        name: loaded.name,
        dir: outDir,
        store,
        transport: new RegistryTransport(),
        platform: hostPlatform(),
        cwd: dir,
        homeDir: work,
        onEvent,
      });
      return { kernelPrefix: join(outDir, loaded.name) };
    },
    boot: async (prefix) => {
      const { vm } = await runQemu({ path: prefix, mode: { kernel: true }, cacheDir: join(work, "cache") });
      vms.push(vm);
      return vm;
    },
    publish: (m) => messages.push(m),
    signal: abort.signal,
  });
  try {
    const consoleAfter = (from: number) =>
      messages
        .slice(from)
        .flatMap((m) => (m.type === "console" ? [Buffer.from(m.data, "base64").toString()] : []))
        .join("")
        .replaceAll("\r", "");
    await until(
      () => /ocikit-init: welcome/.test(consoleAfter(0)),
      150_000,
      () => consoleAfter(0),
    );
    await until(
      () => /hello: ls \/etc\/ocikit: example$/m.test(consoleAfter(0)),
      150_000,
      () => consoleAfter(0),
    );

    const edited = (await readFile(yml, "utf8")).replace(
      "path: etc/ocikit/example",
      "path: etc/ocikit/edited",
    );
    await writeFile(yml, edited);
    await until(
      () => messages.some((m) => m.type === "build" && m.build.id === 2 && m.build.status !== "running"),
      150_000,
      () => JSON.stringify(messages.filter((m) => m.type === "build")),
    );
    const record = messages.findLast((m) => m.type === "build" && m.build.id === 2);
    expect(record?.type === "build" && record.build.status).toBe("succeeded");
    const sections = messages.flatMap((m) =>
      m.type === "build-event" && m.buildId === 2 && m.event.type === "section" ? [m.event] : [],
    ) as Extract<BuildEvent, { type: "section" }>[];
    expect(sections.length).toBeGreaterThan(3);
    expect(sections.filter((s) => !s.cached).map((s) => s.name)).toEqual(["files"]);
    // The explorer's view of build 2, read back from the initrd it wrote.
    await until(
      () => messages.some((m) => m.type === "image" && m.image.buildId === 2),
      30_000,
      () => "no image message for build 2",
    );
    const image = messages.findLast((m) => m.type === "image")?.image;
    expect(image?.initrdBytes).toBe((await stat(join(dir, "out/minimal-initrd.img"))).size);
    expect(image?.sections.map((s) => s.name)).toEqual(
      [...sections].sort((a, b) => a.index - b.index).map((s) => s.name),
    );
    const files = image?.sections.find((s) => s.name === "files");
    const inFiles = image?.entries.filter((e) => e.section === files?.index).map((e) => e.path);
    expect(inFiles).toContain("etc/ocikit/edited");
    expect(inFiles).not.toContain("etc/ocikit/example");
    expect(files?.entries).toBe(inFiles?.length);
    // Each section's count matches what its build event said (cached sections included).
    for (const section of image?.sections ?? [])
      expect(section.entries, section.name).toBe(sections.find((s) => s.index === section.index)?.entries);
    expect(image?.entries.find((e) => e.path === "init")).toMatchObject({
      type: "file",
      mode: 0o755,
      uid: 0,
    });

    const rebooted = () =>
      messages.findIndex((m) => m.type === "vm" && m.vm.state === "booting" && m.vm.buildId === 2);
    await until(
      () => rebooted() >= 0 && /hello: ls \/etc\/ocikit: edited$/m.test(consoleAfter(rebooted())),
      150_000,
      () => consoleAfter(Math.max(rebooted(), 0)),
    );
    expect(consoleAfter(rebooted())).not.toMatch(/hello: ls \/etc\/ocikit: example$/m);
  } finally {
    abort.abort();
    await loop.closed;
  }
  expect(loop.vm().state).toBe("stopped");
  // Every qemu the loop started has exited.
  expect(vms).toHaveLength(2);
  for (const vm of vms) {
    expect((await vm.ended).reason).toBeDefined();
    expect(isAlive(vm.pid)).toBe(false);
  }
}, 300_000);

function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    // ESRCH: no such process, which is what we want to see.
    return false;
  }
}

async function until(check: () => boolean, timeoutMs: number, said: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out; last output:\n${said().slice(-3000)}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}
