/**
 * startRegistry against the real docker-registry: each auth variant answers `/v2/` as distribution
 * does (401 with its challenge without credentials, 200 with them), storage survives a restart, and
 * nothing is left running or on disk after stop, abort, or the death of the process that started it.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { pushTestImage } from "./push-test-image.js";
import { startRegistry, type TestRegistry } from "./registry.js";
import { inspectWithSkopeo } from "./skopeo.js";

/** PIDs of processes whose command line contains `pattern` (pgrep -f), without pgrep itself. */
async function pgrep(pattern: string): Promise<number[]> {
  try {
    const { stdout } = await promisify(execFile)("pgrep", ["-f", pattern]);
    return stdout.split("\n").filter(Boolean).map(Number);
  } catch (error) {
    if ((error as { code?: number }).code === 1) return []; // pgrep: nothing matched
    throw error;
  }
}

const require = createRequire(import.meta.url);

/** Whether process `pid` still exists; a zombie (exited, not yet reaped) counts as gone. */
function isRunning(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return false; // no such process
  }
  return !/^\d+ \(.*\) Z /.test(stat);
}

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The registry's working directory: its config path there is in its command line. */
const workDirOf = (registry: TestRegistry) => dirname(registry.storageDir);

const basic = (username: string, password: string) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;

/** The Authorization header a client would send after the registry's challenge. */
async function credentialsFor(registry: TestRegistry): Promise<Record<string, string>> {
  if (registry.auth === "none") return {};
  const userAuth = basic(registry.username ?? "", registry.password ?? "");
  if (registry.auth === "basic") return { authorization: userAuth };
  const issuer = registry.tokenIssuer;
  const response = await fetch(`${issuer?.realm}?service=${issuer?.service}`, {
    headers: { authorization: userAuth },
  });
  const body = (await response.json()) as { token: string };
  return { authorization: `Bearer ${body.token}` };
}

describe("startRegistry", () => {
  it.each([
    ["none", 200, undefined],
    ["basic", 401, /^Basic realm="ocikit-test-registry"$/],
    ["token", 401, /^Bearer realm="http:\/\/127\.0\.0\.1:\d+\/token",service="ocikit-test-registry"$/],
  ] as const)(
    "auth %s: /v2/ answers %i without credentials and 200 with them",
    async (auth, statusWithout, challenge) => {
      const registry = await startRegistry({ auth });
      try {
        expect(registry.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect(registry.host).toBe(registry.url.slice("http://".length));
        const anonymous = await fetch(`${registry.url}/v2/`);
        expect(anonymous.status).toBe(statusWithout);
        if (challenge) expect(anonymous.headers.get("www-authenticate")).toMatch(challenge);
        if (auth === "token") {
          expect(anonymous.headers.get("www-authenticate")).toContain(
            `realm="${registry.tokenIssuer?.realm}"`,
          );
        }
        const authorized = await fetch(`${registry.url}/v2/`, { headers: await credentialsFor(registry) });
        expect(authorized.status).toBe(200);
        expect(authorized.headers.get("docker-distribution-api-version")).toBe("registry/2.0");
      } finally {
        await registry.stop();
      }
    },
  );

  it("refuses a wrong password with Basic auth", async () => {
    const registry = await startRegistry({ auth: "basic", username: "alice", password: "right" });
    try {
      const wrong = await fetch(`${registry.url}/v2/`, {
        headers: { authorization: basic("alice", "wrong") },
      });
      expect(wrong.status).toBe(401);
      const right = await fetch(`${registry.url}/v2/`, {
        headers: { authorization: basic("alice", "right") },
      });
      expect(right.status).toBe(200);
    } finally {
      await registry.stop();
    }
  });

  it("stop kills docker-registry and removes its temporary directory", async () => {
    const registry = await startRegistry();
    const workDir = workDirOf(registry);
    expect(await pgrep(workDir)).toEqual([registry.pid]);
    expect(existsSync(registry.storageDir)).toBe(true);
    await registry.stop();
    await registry.stop(); // idempotent
    expect(await pgrep(workDir)).toEqual([]);
    expect(isRunning(registry.pid)).toBe(false);
    expect(existsSync(workDir)).toBe(false);
  });

  it("an aborted signal stops the registry", async () => {
    const controller = new AbortController();
    const registry = await startRegistry({ signal: controller.signal });
    expect(isRunning(registry.pid)).toBe(true);
    controller.abort();
    await waitUntil(
      async () => (await pgrep(workDirOf(registry))).length === 0 && !existsSync(workDirOf(registry)),
    );
    await registry.stop();
  });

  it.each([0, 1, 5, 20, 60])("an abort %i ms into starting leaves nothing behind", async (delayMs) => {
    const controller = new AbortController();
    const before = new Set(await pgrep("ocikit-registry-"));
    setTimeout(() => controller.abort(), delayMs);
    const registry = await startRegistry({ auth: "token", signal: controller.signal }).catch(
      (error: unknown) => error,
    );
    if (registry instanceof Error) expect(registry).toMatchObject({ code: "TEST_REGISTRY_ABORTED" });
    else await waitUntil(() => !isRunning((registry as TestRegistry).pid)); // it started in time: the abort stops it
    await waitUntil(async () => (await pgrep("ocikit-registry-")).every((pid) => before.has(pid)));
  });

  it("refuses to start with an aborted signal", async () => {
    await expect(startRegistry({ signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: "TEST_REGISTRY_ABORTED",
    });
  });

  it("keeps a given storage directory, so a restarted registry still has the images", {
    timeout: 20_000,
  }, async () => {
    const storageDir = await mkdtemp(join(tmpdir(), "ocikit-registry-storage-test-"));
    try {
      const first = await startRegistry({ storageDir });
      let pushed: Awaited<ReturnType<typeof pushTestImage>>;
      try {
        pushed = await pushTestImage(first, {
          repository: "keep/me",
          image: { layers: [{ files: [{ path: "kept", contents: "still here\n" }] }] },
        });
      } finally {
        await first.stop();
      }
      expect(existsSync(join(storageDir, "docker"))).toBe(true);
      const second = await startRegistry({ storageDir });
      try {
        const raw = await inspectWithSkopeo(`docker://${second.host}/keep/me:latest`, { raw: true });
        expect(JSON.parse(raw).layers[0].digest).toBe(pushed.image.manifests[0]?.layers[0]?.digest);
      } finally {
        await second.stop();
      }
    } finally {
      await rm(storageDir, { recursive: true, force: true });
    }
  });

  // The test process itself must not die, so a child process plays the test that forgets to stop.
  it.each([
    ["exits without calling stop", "process.exit(0)", true],
    ["is killed by SIGKILL", 'process.kill(process.pid, "SIGKILL")', false],
  ])(
    "leaves no registry behind when the process that started it %s",
    { timeout: 20_000 },
    async (_how, ending, removesFiles) => {
      const scriptDir = await mkdtemp(join(tmpdir(), "ocikit-registry-orphan-test-"));
      try {
        const script = join(scriptDir, "start.mts");
        const registryModule = join(dirname(fileURLToPath(import.meta.url)), "registry.ts");
        await writeFile(
          script,
          [
            `import { startRegistry } from ${JSON.stringify(registryModule)};`,
            "const registry = await startRegistry();",
            "console.log(JSON.stringify({ pid: registry.pid, storageDir: registry.storageDir }));",
            `setTimeout(() => ${ending}, 100);`,
          ].join("\n"),
        );
        const child = spawn(process.execPath, [require.resolve("tsx/cli"), "--conditions=source", script], {
          stdio: ["ignore", "pipe", "inherit"],
        });
        let output = "";
        child.stdout.on("data", (chunk: Buffer) => {
          output += chunk.toString();
        });
        await new Promise((resolve) => child.on("close", resolve));
        const started = JSON.parse(output) as { pid: number; storageDir: string };
        const workDir = dirname(started.storageDir);
        await waitUntil(async () => !isRunning(started.pid) && (await pgrep(workDir)).length === 0);
        expect(existsSync(workDir)).toBe(!removesFiles);
        await rm(workDir, { recursive: true, force: true }); // what SIGKILL left on disk
      } finally {
        await rm(scriptDir, { recursive: true, force: true });
      }
    },
  );
});
