/**
 * Pulling from Debian's real docker-registry (tools/test-registry), with images pushed by skopeo:
 * platform choice from an index, offline reuse of the cache, re-resolution with `pull`, what the
 * cache holds afterwards (checked with skopeo), and faults injected by a proxy — retries recover,
 * or the pull fails naming the reference and digest, and no corrupt blob is ever cached.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  type FaultProxy,
  type FaultRule,
  pushTestImage,
  startFaultProxy,
  startRegistry,
  type TestRegistry,
} from "@ocikit/test-registry";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  flattenImage,
  ImagePuller,
  OciLayoutStore,
  type PullEvent,
  RegistryClient,
  RegistryTransport,
  sha256Digest,
} from "../src/index.js";

let registry: TestRegistry;
let twoPlatform: { reference: string; digest: string };
let single: { reference: string; digest: string };
let cacheDir: string;
const proxies: FaultProxy[] = [];

const base = { path: "etc/os-release", contents: "ID=test\n" };
beforeAll(async () => {
  registry = await startRegistry();
  twoPlatform = await pushTestImage(registry, {
    repository: "test/multi",
    tag: "1",
    image: {
      manifests: [
        {
          platform: { os: "linux", architecture: "amd64" },
          layers: [
            { files: [base, { path: "bin/arch", contents: "amd64\n" }] },
            {
              files: [
                { path: "bin/arch", type: "whiteout" },
                { path: "bin/arch2", contents: "x\n" },
              ],
            },
          ],
          config: { Cmd: ["/bin/sh"] },
        },
        {
          platform: { os: "linux", architecture: "arm64", variant: "v8" },
          layers: [
            { files: [base, { path: "bin/arch", contents: "arm64\n".repeat(40_000) }] },
            { files: [{ path: "bin/arch", type: "whiteout" }] },
          ],
          config: { Cmd: ["/bin/sh"] },
        },
      ],
    },
  });
  single = await pushTestImage(registry, {
    repository: "test/single",
    tag: "1",
    image: {
      layers: [{ files: [base, { path: "big", contents: { sizeBytes: 3_000_000 } }] }],
      config: { Env: ["A=1"] },
    },
  });
}, 120_000);

afterAll(async () => {
  await registry?.stop();
});

beforeEach(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), "ocikit-pull-"));
});
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.stop()));
  await rm(cacheDir, { recursive: true, force: true });
});

async function puller(
  options: { pull?: boolean; arch?: string; events?: PullEvent[]; retries?: number } = {},
) {
  const store = await OciLayoutStore.open(cacheDir, { create: true });
  const transport = new RegistryTransport({ retries: options.retries ?? 4, retryDelayMs: 10 });
  return {
    store,
    puller: new ImagePuller({
      store,
      transport,
      platform: { os: "linux", architecture: options.arch ?? "amd64" },
      pull: options.pull ?? false,
      onProgress: (e) => options.events?.push(e),
    }),
  };
}

async function listing(image: Awaited<ReturnType<ImagePuller["pull"]>>): Promise<string[]> {
  const out: string[] = [];
  for await (const e of flattenImage(image)) out.push(`${e.path} ${e.type}`);
  return out.sort();
}

async function proxy(rules: FaultRule[]): Promise<FaultProxy> {
  const p = await startFaultProxy(registry.url, { rules });
  proxies.push(p);
  return p;
}

const refVia = (host: string, reference: string): string => reference.replace(registry.host, host);

describe("pulling from a real registry", () => {
  it("pings the API", async () => {
    const client = new RegistryClient(new RegistryTransport(), registry.host);
    expect(await client.ping()).toEqual({ apiVersion: "registry/2.0" });
    const notRegistry = new RegistryClient(new RegistryTransport({ retries: 0 }), "127.0.0.1:9");
    await expect(notRegistry.ping()).rejects.toMatchObject({ code: "OCI_NETWORK" });
  });

  it("chooses the arm64 image of an index, names the index in the cache, and skopeo reads it", async () => {
    const { puller: p, store } = await puller({ arch: "arm64" });
    const image = await p.pull(twoPlatform.reference);
    expect(image.indexDigest).toBe(twoPlatform.digest);
    expect(image.platform).toMatchObject({ architecture: "arm64" });
    expect((await store.resolveName(`${registry.host}/test/multi:1`))?.digest).toBe(twoPlatform.digest);
    expect(await listing(image)).toEqual(["bin dir", "etc dir", "etc/os-release file"]);
    const { stdout } = await promisify(execFile)("skopeo", [
      "inspect",
      "--override-arch",
      "arm64",
      `oci:${cacheDir}:${registry.host}/test/multi:1`,
    ]);
    expect(JSON.parse(stdout)).toMatchObject({ Architecture: "arm64", Digest: twoPlatform.digest });
  });

  it("uses the cache offline, and fetches the tag again only with pull", async () => {
    const first = await puller();
    await first.puller.pull(single.reference);
    const events: PullEvent[] = [];
    const again = await puller({ events });
    // A transport that cannot reach anything: the cached entry must be enough.
    const offline = new ImagePuller({
      store: again.store,
      transport: new RegistryTransport({ mirrors: [{ url: "http://127.0.0.1:1" }], retries: 0 }),
      platform: { os: "linux", architecture: "amd64" },
      onProgress: (e) => events.push(e),
    });
    const image = await offline.pull(single.reference);
    expect(image.digest).toBe(single.digest);
    expect(events).toContainEqual(expect.objectContaining({ type: "resolve", from: "cache" }));
    const pulling = new ImagePuller({
      store: again.store,
      transport: new RegistryTransport({ mirrors: [{ url: "http://127.0.0.1:1" }], retries: 0 }),
      platform: { os: "linux", architecture: "amd64" },
      pull: true,
    });
    await expect(pulling.pull(single.reference)).rejects.toMatchObject({ code: "OCI_NETWORK" });
  });

  it("refuses a single-platform image of another architecture, naming it", async () => {
    const { puller: p } = await puller({ arch: "arm64" });
    await expect(p.pull(single.reference)).rejects.toMatchObject({
      code: "OCI_PLATFORM_NOT_FOUND",
      message: expect.stringContaining("linux/amd64, not linux/arm64"),
    });
  });

  it("lists the platforms an index has when the one asked for is missing", async () => {
    const { puller: p } = await puller({ arch: "s390x" });
    await expect(p.pull(twoPlatform.reference)).rejects.toMatchObject({
      code: "OCI_PLATFORM_NOT_FOUND",
      message: expect.stringContaining("it has linux/amd64, linux/arm64/v8"),
    });
  });

  it("names the reference and the registry's answer for an unknown image", async () => {
    const { puller: p } = await puller();
    await expect(p.pull(`${registry.host}/test/nope:1`)).rejects.toMatchObject({
      code: "OCI_NOT_FOUND",
      message: expect.stringMatching(/test\/nope:1.*(MANIFEST_UNKNOWN|NAME_UNKNOWN)/),
    });
  });

  it("lets four processes pull overlapping images into one cache", async () => {
    const script = join(import.meta.dirname, "fixtures", "pull-worker.ts");
    const run = (ref: string) =>
      promisify(execFile)(
        process.execPath,
        ["--conditions=source", "--import", "tsx", script, cacheDir, ref],
        {
          cwd: join(import.meta.dirname, ".."),
        },
      );
    await Promise.all([
      run(single.reference),
      run(twoPlatform.reference),
      run(single.reference),
      run(twoPlatform.reference),
    ]);
    const { puller: p, store } = await puller();
    expect((await store.names()).map((n) => n.name).sort()).toEqual([
      `${registry.host}/test/multi:1`,
      `${registry.host}/test/single:1`,
    ]);
    expect((await p.pull(single.reference)).digest).toBe(single.digest);
    expect(await readdir(join(cacheDir, "ingest"))).toEqual([]);
  }, 60_000);
});

describe("a damaged cache", () => {
  async function damageBiggestLayer(store: OciLayoutStore): Promise<string> {
    const image = await new ImagePuller({
      store,
      transport: new RegistryTransport(),
      platform: { os: "linux", architecture: "amd64" },
    }).pull(single.reference);
    const layer = [...(await image.manifest()).layers].sort((a, b) => b.size - a.size)[0];
    if (!layer) throw new Error("no layer");
    const path = store.blobPath(layer.digest);
    const bytes = await readFile(path);
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff; // same size, other bytes
    await writeFile(path, bytes);
    return layer.digest;
  }

  it("is detected when read, the blob removed, and the next pull fetches it again", async () => {
    const { store, puller: p } = await puller();
    const digest = await damageBiggestLayer(store);
    const image = await p.pull(single.reference);
    await expect(listing(image)).rejects.toMatchObject({
      code: "OCI_CACHE_CORRUPT",
      message: expect.stringContaining(digest),
    });
    const events: PullEvent[] = [];
    const again = await (await puller({ events })).puller.pull(single.reference);
    expect(events).toContainEqual(expect.objectContaining({ type: "resolve", from: "registry" }));
    expect(await listing(again)).toContain("big file");
  });

  it("is found, reported and fetched again by a verifying pull (cache pull)", async () => {
    const { store } = await puller();
    const digest = await damageBiggestLayer(store);
    const events: PullEvent[] = [];
    const verifying = new ImagePuller({
      store,
      transport: new RegistryTransport(),
      platform: { os: "linux", architecture: "amd64" },
      pull: true,
      verifyCached: true,
      onProgress: (e) => events.push(e),
    });
    const image = await verifying.pull(single.reference);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: "warning",
        code: "OCI_CACHE_CORRUPT",
        message: expect.stringContaining(digest),
      }),
    );
    expect(await listing(image)).toContain("big file");
  });
});

describe("pulling through faults", () => {
  it.each<[string, FaultRule[]]>([
    ["a 503 on every first request", [{ fault: { type: "status", status: 503 }, times: 3 }]],
    [
      "a 429 with Retry-After",
      [{ path: /\/blobs\//, fault: { type: "status", status: 429, retryAfterSeconds: 0 }, times: 2 }],
    ],
    [
      "a connection reset in the middle of a blob (resumed with Range)",
      [{ path: /\/blobs\//, method: "GET", fault: { type: "reset", afterBytes: 100_000 }, times: 2 }],
    ],
    [
      "a truncated body",
      [{ path: /\/blobs\//, method: "GET", fault: { type: "truncate", afterBytes: 50_000 }, times: 1 }],
    ],
    [
      "a reset where the registry ignores Range",
      [
        { path: /\/blobs\//, method: "GET", fault: { type: "noRange" } },
        { path: /\/blobs\//, method: "GET", fault: { type: "reset", afterBytes: 200_000 }, times: 1 },
      ],
    ],
    [
      "wrong bytes once (downloaded again)",
      [{ path: /\/blobs\//, method: "GET", fault: { type: "corrupt", offsets: [10] }, times: 1 }],
    ],
  ])("recovers from %s", async (_name, rules) => {
    const p = await proxy(rules);
    const events: PullEvent[] = [];
    const { puller: pl } = await puller({ events });
    const image = await pl.pull(refVia(p.host, single.reference));
    expect(image.digest).toBe(single.digest);
    expect(await listing(image)).toContain("big file");
    // The faults did happen, and were got over the way each case says.
    const log = p.requests();
    expect(log.some((r) => r.faults.length > 0)).toBe(true);
    if (_name.includes("resumed with Range"))
      expect(log.some((r) => r.headers.range?.startsWith("bytes="))).toBe(true);
    if (_name.includes("downloaded again"))
      expect(events).toContainEqual(
        expect.objectContaining({ type: "warning", code: "OCI_DIGEST_MISMATCH" }),
      );
  });

  it("fails naming the reference and digest when the bytes stay wrong, and caches nothing corrupt", async () => {
    const p = await proxy([{ path: /\/blobs\//, method: "GET", fault: { type: "corrupt", offsets: [5] } }]);
    const { puller: pl, store } = await puller();
    const error = await pl.pull(refVia(p.host, single.reference)).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "OCI_DIGEST_MISMATCH",
      message: expect.stringMatching(/sha256:[0-9a-f]{64} of 127\.0\.0\.1:\d+\/test\/single:1/),
    });
    for (const hex of await readdir(join(cacheDir, "blobs", "sha256"))) {
      const path = join(cacheDir, "blobs", "sha256", hex);
      expect(sha256Digest(await readFile(path))).toBe(`sha256:${hex}`);
    }
    expect(await store.names()).toEqual([]);
  });

  it("gives up after the retry budget with the registry's status", async () => {
    const p = await proxy([{ path: /\/manifests\//, fault: { type: "status", status: 500 } }]);
    const { puller: pl } = await puller({ retries: 2 });
    await expect(pl.pull(refVia(p.host, single.reference))).rejects.toMatchObject({
      code: "OCI_TOO_MANY_RETRIES",
      message: expect.stringContaining("answered 500"),
    });
  });
});
