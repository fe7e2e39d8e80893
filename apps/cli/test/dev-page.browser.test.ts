/**
 * `ocikit dev` as a user meets it: the real CLI in a child process (from its sources), the real build
 * and qemu (TCG here), and its page in Debian's Chromium driven by playwright-core. One VM session
 * walks the checklist in order: the banner on the page's console; typing a command gets its
 * output; a changed `files:` entry rebuilds only that section and the new text is on the console after
 * the reboot; invalid YAML shows its error with line and column while the old VM keeps running; a
 * foreign Origin is refused; the Stop and Reboot buttons work. A screenshot of the page is kept in `artifacts/` (or
 * $OCIKIT_TEST_ARTIFACTS).
 */
import { spawn } from "node:child_process";
import { createReadStream } from "node:fs";
import { access, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importArchive, OciLayoutStore } from "@ocikit/oci";
import { writeTestImagesArchive } from "@ocikit/test-images";
import { type Browser, chromium, type Locator, type Page } from "playwright-core";
import { build as viteBuild } from "vite";
import { afterAll, beforeAll, expect, it } from "vitest";
import { cliArgv, offlineFlags } from "./cli-child.js";

const repo = join(import.meta.dirname, "../../..");
const CHROMIUM = "/usr/bin/chromium";
// toolchain.md: the flags Debian's Chromium needs here (no sandbox for root, no GPU, no network noise).
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
const artifacts = process.env.OCIKIT_TEST_ARTIFACTS ?? join(repo, "artifacts");
let work: string;
let cache: string;
let browser: Browser;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ocikit-dev-page-"));
  // The page as `pnpm build` makes it, so that `npm test` alone tests the current page sources.
  await viteBuild({ configFile: join(repo, "apps/dev-server/vite.config.ts"), logLevel: "warn" });
  const tar = await writeTestImagesArchive(join(work, "images.tar"));
  cache = join(work, "cache");
  const store = await OciLayoutStore.open(cache, { create: true });
  await importArchive(createReadStream(tar), store, { source: tar });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
}, 600_000);
afterAll(async () => {
  await browser?.close();
  await rm(work, { recursive: true, force: true });
});

it("ocikit dev's page: console with the banner, typing, a files edit, an invalid edit, a foreign Origin, the buttons", async () => {
  const project = join(work, "project");
  await mkdir(project, { recursive: true });
  const yml = join(project, "dev.yml");
  await copyFile(join(repo, "examples/dev.yml"), yml);
  const [program = "", ...args] = cliArgv([...offlineFlags(cache), "dev", "--no-open", "dev.yml"]);
  const child = spawn(program, args, { cwd: project, env: { ...process.env, HOME: work }, stdio: "pipe" });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  try {
    await until(
      () => /the page is at (\S+)/.test(stderr),
      60_000,
      () => stderr,
    );
    const url = new URL(/the page is at (\S+)/.exec(stderr)?.[1] ?? "");
    await page.goto(url.href);

    // 1. The console shows the banner and the onboot container's output.
    await consoleMatches(page, /ocikit-init: welcome/);
    await consoleMatches(page, /motd: first version/);
    await consoleMatches(page, /^\/ # /m);

    // 2. Typing in the console reaches the guest's shell, and its output comes back.
    await page.getByTestId("console").click();
    await page.keyboard.type("echo typed-$((6*7))\n");
    await consoleMatches(page, /^typed-42\s*$/m);

    // 3. A changed files: entry: only that section is rebuilt, the new text after the reboot.
    await writeFile(yml, (await readFile(yml, "utf8")).replace("first version", "second version"));
    await consoleMatches(page, /motd: second version[\s\S]*\n\/ # /); // and the new VM's prompt
    const rows = await page
      .getByTestId("section-row")
      .evaluateAll((els) =>
        els.map((el) => [el.getAttribute("data-name"), el.getAttribute("data-cached")] as const),
      );
    expect(rows.length).toBeGreaterThan(3);
    expect(rows.filter(([, cached]) => cached === "false").map(([name]) => name)).toEqual(["files"]);
    const state = async () => (await fetch(`${url.href.replace(/\/\?/, "/api/state?")}`)).json();
    const running = (await state()) as { vm: { state: string; buildId: number } };
    expect(running.vm).toMatchObject({ state: "running", buildId: 2 });

    // 4. Invalid YAML: the error with line and column and the offending line; the VM keeps running.
    const good = await readFile(yml, "utf8");
    const bad = good.replace("onboot:", "onbot:");
    const line = bad.split("\n").findIndex((l) => l.startsWith("onbot:")) + 1;
    await writeFile(yml, bad);
    const problems = page.getByTestId("problems");
    await problems.getByText(`dev.yml:${line}:1`, { exact: false }).waitFor({ timeout: 30_000 });
    const shown = (await problems.textContent()) ?? "";
    expect(shown).toContain('unknown key "onbot"');
    expect(shown).toContain("onbot:"); // the offending line itself
    expect(((await state()) as typeof running).vm).toMatchObject({ state: "running", buildId: 2 });
    await page.getByTestId("console").click();
    await page.keyboard.type("echo still-$((1+1))\n");
    await consoleMatches(page, /^still-2\s*$/m);

    // The page as it is now, kept for whoever reads the run.
    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, "dev-page.png"), fullPage: true });
    await access(join(artifacts, "dev-page.png"));

    // 5. A foreign Origin is refused: a request from Node, and a socket from a page of another origin.
    const withToken = `${url.origin}/api/state?token=${url.searchParams.get("token")}`;
    expect((await fetch(withToken, { headers: { Origin: "http://evil.example" } })).status).toBe(403);
    expect(await foreignOriginSocket(url)).toBe("refused");

    // 6. The buttons: Stop ends the VM (the shell ignores the power button: killed after 1 s of
    // silence); Reboot starts the last good image again without building.
    const vmState = page.getByTestId("vm-state");
    await page.getByTestId("stop").click();
    await attributeBecomes(vmState, "data-state", "stopped", 30_000);
    expect(await vmState.textContent()).toContain("#2");
    const builds = ((await state()) as { history: unknown[] }).history.length;
    await page.getByTestId("reboot").click();
    await attributeBecomes(vmState, "data-state", "running", 60_000);
    expect(((await state()) as { history: unknown[] }).history).toHaveLength(builds);
  } finally {
    await page.close();
    child.kill("SIGINT");
    const code = await exited;
    expect(code, stderr).toBe(130);
  }
}, 480_000);

/** Waits until the element's attribute has the value. */
async function attributeBecomes(element: Locator, name: string, value: string, timeoutMs: number) {
  const end = Date.now() + timeoutMs;
  let seen: string | null = null;
  while (Date.now() < end) {
    seen = await element.getAttribute(name);
    if (seen === value) return;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`${name} stayed ${JSON.stringify(seen)}, not ${JSON.stringify(value)}`);
}

/** Waits until the page's console (xterm's buffer, as the page exposes it) matches `pattern`. */
async function consoleMatches(page: Page, pattern: RegExp, timeoutMs = 150_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let text = "";
  while (Date.now() < end) {
    // Runs in the page: globalThis is its window (this file is compiled without the DOM library).
    text = await page.evaluate(
      () => (globalThis as { __ocikit?: { consoleText(): string } }).__ocikit?.consoleText() ?? "",
    );
    if (pattern.test(text)) return;
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Error(`the console never matched ${pattern}; it shows:\n${text.slice(-3000)}`);
}

/**
 * A page served from another origin (another port of 127.0.0.1) opens the dev server's WebSocket, as a
 * malicious site open in the same browser would — even knowing the token. WebSockets are not bound by
 * CORS, so only the server's Origin check stops it: "refused" or "opened".
 */
async function foreignOriginSocket(url: URL): Promise<string> {
  const evil = createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end("<!doctype html><title>elsewhere</title>");
  });
  await new Promise<void>((resolve) => evil.listen(0, "127.0.0.1", resolve));
  const page = await browser.newPage();
  try {
    await page.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
    return await page.evaluate(
      (target) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(`ws://${target.host}/ws?token=${target.token}`);
          ws.onopen = () => resolve("opened");
          ws.onerror = () => resolve("refused");
        }),
      { host: url.host, token: url.searchParams.get("token") ?? "" },
    );
  } finally {
    await page.close();
    evil.close();
  }
}

async function until(check: () => boolean, timeoutMs: number, said: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out; last output:\n${said().slice(-3000)}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}
