/**
 * Starts Debian's `docker-registry` (distribution 2.8, the CNCF reference registry) for a test: on
 * 127.0.0.1 with a free random port, over a temporary storage directory, with no auth, htpasswd Basic
 * auth or token auth (the issuer runs in this process, token-issuer.ts). The registry dies with the
 * process that started it (`setpriv --pdeathsig KILL`, and an `exit` hook), so a crashed or killed
 * test run leaves no registry behind. Leaves out TLS: clients use plain HTTP on loopback.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { rmSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TestRegistryError } from "./errors.js";
import { findFreePort } from "./free-port.js";
import { type RegistryAuthConfig, registryConfigYaml } from "./registry-config.js";
import { runCommand, tailOf } from "./run-command.js";
import { startTokenIssuer, type TokenIssuer } from "./token-issuer.js";

/** How a test registry authenticates clients. */
export type RegistryAuth = "none" | "basic" | "token";

/** Options of {@link startRegistry}. */
export interface StartRegistryOptions {
  /** Default: "none". */
  readonly auth?: RegistryAuth;
  /** Where blobs and manifests go; kept on stop. Default: a new temporary directory, removed on stop. */
  readonly storageDir?: string;
  /** Basic and token auth: the user; default: REGISTRY_DEFAULTS.username. */
  readonly username?: string;
  /** Basic and token auth: the password; default: random. */
  readonly password?: string;
  /** Token auth: whether clients without credentials get pull-only tokens; default: false. */
  readonly anonymousPull?: boolean;
  /** Token auth: lifetime of issued tokens; default: 300. */
  readonly tokenLifetimeSeconds?: number;
  /** How long to wait for `/v2/` to answer; default: REGISTRY_DEFAULTS.startTimeoutMs. */
  readonly startTimeoutMs?: number;
  /** Stops the registry when aborted. */
  readonly signal?: AbortSignal;
}

/** Defaults of {@link StartRegistryOptions}. */
export const REGISTRY_DEFAULTS = {
  auth: "none",
  username: "ocikit",
  startTimeoutMs: 15_000,
  /** The `service` (token audience) and `issuer` the registry checks in tokens. */
  tokenService: "ocikit-test-registry",
  tokenIssuer: "ocikit-test-token-issuer",
} as const;

/** A running test registry. */
export interface TestRegistry {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `127.0.0.1:PORT`, for image references (`${host}/repo:tag`). */
  readonly host: string;
  readonly auth: RegistryAuth;
  /** Basic and token auth. */
  readonly username?: string;
  /** Basic and token auth. */
  readonly password?: string;
  /** Token auth: the token server the registry sends clients to. */
  readonly tokenIssuer?: TokenIssuer;
  readonly storageDir: string;
  /** The docker-registry process. */
  readonly pid: number;
  /** The registry's recent log lines (level warn and up). */
  logs(): string;
  /** Stops the registry (and its token issuer) and removes its temporary files. Idempotent. */
  stop(): Promise<void>;
}

// docker-registry writes a warning per refused request; keep the recent ones only.
const LOG_LIMIT_CHARS = 64 * 1024;
const PORT_ATTEMPTS = 5;
const STOP_GRACE_MS = 3000;

async function makeHtpasswd(workDir: string, username: string, password: string, signal?: AbortSignal) {
  // distribution 2.8 accepts bcrypt entries only.
  const { stdout } = await runCommand("htpasswd", ["-Bbn", username, password], {
    debianPackage: "apache2-utils",
    secrets: [password],
    signal,
  });
  const path = join(workDir, "htpasswd");
  await writeFile(path, `${stdout.trim()}\n`, { mode: 0o600 });
  return path;
}

async function makeSigningCertificate(workDir: string, signal?: AbortSignal) {
  const keyPath = join(workDir, "token-key.pem");
  const certPath = join(workDir, "token-cert.pem");
  const subject = "/CN=ocikit test token issuer";
  await runCommand(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"].concat([
      "-keyout",
      keyPath,
      "-out",
      certPath,
      "-days",
      "3650",
      "-subj",
      subject,
    ]),
    { signal },
  );
  return { keyPath, certPath };
}

/** What the registry's `auth:` section needs, and the token issuer it may send clients to. */
interface PreparedAuth {
  readonly config: RegistryAuthConfig;
  readonly username?: string;
  readonly password?: string;
  readonly tokenIssuer?: TokenIssuer;
}

/** Writes the htpasswd file, or the token signing key and certificate and starts the issuer. */
async function prepareAuth(
  auth: RegistryAuth,
  workDir: string,
  options: StartRegistryOptions,
): Promise<PreparedAuth> {
  if (auth === "none") return { config: { kind: "none" } };
  const username = options.username ?? REGISTRY_DEFAULTS.username;
  const password = options.password ?? randomBytes(12).toString("hex");
  if (auth === "basic") {
    const htpasswdPath = await makeHtpasswd(workDir, username, password, options.signal);
    return { config: { kind: "basic", realm: "ocikit-test-registry", htpasswdPath }, username, password };
  }
  const { keyPath, certPath } = await makeSigningCertificate(workDir, options.signal);
  const tokenIssuer = await startTokenIssuer({
    keyPem: await readFile(keyPath, "utf8"),
    certPem: await readFile(certPath, "utf8"),
    service: REGISTRY_DEFAULTS.tokenService,
    issuer: REGISTRY_DEFAULTS.tokenIssuer,
    username,
    password,
    anonymousPull: options.anonymousPull,
    tokenLifetimeSeconds: options.tokenLifetimeSeconds,
  });
  const config: RegistryAuthConfig = {
    kind: "token",
    realm: tokenIssuer.realm,
    service: tokenIssuer.service,
    issuer: tokenIssuer.issuer,
    rootCertBundlePath: certPath,
  };
  return { config, username, password, tokenIssuer };
}

/** The registry's environment: ours without REGISTRY_* variables, which would override its config file. */
function registryEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("REGISTRY_")));
}

interface Spawned {
  readonly child: ChildProcess;
  readonly logs: () => string;
  /** Why the process could not be started, if it could not. */
  readonly spawnError: () => NodeJS.ErrnoException | undefined;
}

function spawnRegistry(configPath: string): Spawned {
  // setpriv makes the kernel kill the registry when this process dies, even by SIGKILL.
  const child = spawn("setpriv", ["--pdeathsig", "KILL", "docker-registry", "serve", configPath], {
    stdio: ["ignore", "pipe", "pipe"],
    env: registryEnv(),
  });
  let text = "";
  const append = (chunk: Buffer) => {
    text += chunk.toString();
    if (text.length > LOG_LIMIT_CHARS) text = text.slice(-LOG_LIMIT_CHARS);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  let spawnError: NodeJS.ErrnoException | undefined;
  child.on("error", (error) => {
    spawnError = error;
  });
  return { child, logs: () => text, spawnError: () => spawnError };
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Resolves once `/v2/` answers 200 or 401; "exited" if the process ended first. Gives up on abort. */
async function waitUntilReady(
  url: string,
  child: ChildProcess,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<"ready" | "exited"> {
  const deadline = Date.now() + timeoutMs;
  const exited = new Promise<"exited">((resolve) => {
    if (hasExited(child)) resolve("exited");
    child.once("exit", () => resolve("exited"));
    child.once("error", () => resolve("exited"));
  });
  while (Date.now() < deadline && !signal?.aborted) {
    const probe = fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1000) }).then(
      async (response) => {
        await response.body?.cancel();
        return response.status === 200 || response.status === 401 ? ("ready" as const) : ("retry" as const);
      },
      () => "retry" as const, // not listening yet
    );
    const result = await Promise.race([probe, exited]);
    if (result !== "retry") return result;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no answer from ${url}/v2/ within ${timeoutMs} ms`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (hasExited(child) || child.pid === undefined) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

/**
 * Runs docker-registry with a config for a free port until `/v2/` answers, trying another port when
 * one is taken meanwhile. `onSpawn` learns each process at once, so that it can be killed on failure.
 */
async function launch(
  workDir: string,
  storageDir: string,
  auth: RegistryAuthConfig,
  options: StartRegistryOptions,
  onSpawn: (spawned: Spawned) => void,
): Promise<{ url: string; spawned: Spawned }> {
  const configPath = join(workDir, "config.yml");
  const timeoutMs = options.startTimeoutMs ?? REGISTRY_DEFAULTS.startTimeoutMs;
  for (let attempt = 1; ; attempt++) {
    const port = await findFreePort();
    const url = `http://127.0.0.1:${port}`;
    await writeFile(configPath, registryConfigYaml({ port, storageDir, auth }));
    const spawned = spawnRegistry(configPath);
    onSpawn(spawned);
    const state = await waitUntilReady(url, spawned.child, timeoutMs, options.signal).catch(
      (error: Error) => error,
    );
    if (state === "ready") return { url, spawned };
    await stopChild(spawned.child);
    if (options.signal?.aborted) throw abortedWhileStarting();
    if (spawned.spawnError()?.code === "ENOENT") {
      throw new TestRegistryError(
        "TEST_REGISTRY_TOOL_MISSING",
        'setpriv: not installed; run "apt-get install util-linux"',
      );
    }
    // setpriv exits 127 when it cannot execute the program.
    if (spawned.child.exitCode === 127) {
      throw new TestRegistryError(
        "TEST_REGISTRY_TOOL_MISSING",
        'docker-registry: not installed; run "apt-get install docker-registry" (tools/dev/setup.sh installs it)',
      );
    }
    const logs = spawned.logs();
    // Another process took the port between findFreePort and the registry's bind: try another.
    if (/address already in use/.test(logs) && attempt < PORT_ATTEMPTS) continue;
    const why = state instanceof Error ? state.message : "it exited while starting";
    throw new TestRegistryError(
      "TEST_REGISTRY_START_FAILED",
      `docker-registry on ${url}: ${why}; its log ends with: ${tailOf(logs) || "(nothing)"}`,
    );
  }
}

const abortedWhileStarting = () =>
  new TestRegistryError("TEST_REGISTRY_ABORTED", "docker-registry: aborted while starting");

/**
 * Starts docker-registry on 127.0.0.1 and resolves once it answers `/v2/`. Call `stop()` when done
 * (in `afterAll` or `finally`).
 * @throws {TestRegistryError} `TEST_REGISTRY_TOOL_MISSING` (docker-registry, setpriv, htpasswd or
 *   openssl absent), `TEST_REGISTRY_START_FAILED` (with the registry's log tail), `TEST_REGISTRY_ABORTED`
 * @example
 * ```ts
 * const registry = await startRegistry({ auth: "basic" });
 * try {
 *   const headers = { authorization: `Basic ${btoa(`${registry.username}:${registry.password}`)}` };
 *   console.log((await fetch(`${registry.url}/v2/`, { headers })).status); // 200
 * } finally {
 *   await registry.stop();
 * }
 * ```
 */
export async function startRegistry(options: StartRegistryOptions = {}): Promise<TestRegistry> {
  const auth = options.auth ?? REGISTRY_DEFAULTS.auth;
  const signal = options.signal;
  if (signal?.aborted)
    throw new TestRegistryError("TEST_REGISTRY_ABORTED", "docker-registry: aborted before start");
  const workDir = await mkdtemp(join(tmpdir(), "ocikit-registry-"));
  const storageDir = options.storageDir ?? join(workDir, "storage");
  let prepared: PreparedAuth | undefined;
  let spawned: Spawned | undefined;
  // Last resort when the test process exits without stopping the registry: kill it, drop its files.
  const onExit = () => {
    spawned?.child.kill("SIGKILL");
    rmSync(workDir, { recursive: true, force: true });
  };
  process.once("exit", onExit);
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      process.removeListener("exit", onExit);
      signal?.removeEventListener("abort", onAbort);
      if (spawned) await stopChild(spawned.child);
      await prepared?.tokenIssuer?.stop();
      await rm(workDir, { recursive: true, force: true });
    })();
    return stopping;
  };
  // Once started, stopping is the abort's whole effect; a failure to stop has nowhere to go but the
  // next stop() call. While starting, the steps check the signal themselves.
  const onAbort = () => void stop().catch(() => {});
  try {
    await mkdir(storageDir, { recursive: true });
    prepared = await prepareAuth(auth, workDir, options);
    if (signal?.aborted) throw abortedWhileStarting();
    const launched = await launch(workDir, storageDir, prepared.config, options, (started) => {
      spawned = started;
    });
    if (signal?.aborted) throw abortedWhileStarting();
    signal?.addEventListener("abort", onAbort, { once: true });
    return {
      url: launched.url,
      host: launched.url.slice("http://".length),
      auth,
      username: prepared.username,
      password: prepared.password,
      tokenIssuer: prepared.tokenIssuer,
      storageDir,
      pid: launched.spawned.child.pid ?? -1,
      logs: launched.spawned.logs,
      stop,
    };
  } catch (error) {
    await stop();
    if (signal?.aborted && !(error instanceof TestRegistryError && error.code === "TEST_REGISTRY_ABORTED")) {
      throw new TestRegistryError("TEST_REGISTRY_ABORTED", "docker-registry: aborted while starting", {
        cause: error,
      });
    }
    throw error;
  }
}
