/**
 * The fault proxy in front of a real registry, checked with fetch: each fault happens as described
 * and only to the requests its rule matches, everything else (Range requests, skopeo pushing through
 * it) passes unchanged, and the request log keeps no credentials.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAULT_PATHS, type FaultRule, startFaultProxy } from "./fault-proxy.js";
import { pushTestImage } from "./push-test-image.js";
import { startRegistry, type TestRegistry } from "./registry.js";
import { inspectWithSkopeo } from "./skopeo.js";

const sha256 = (bytes: Uint8Array) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

/** Reads a response body to its end or its first error: the bytes that arrived, and the error. */
async function readBody(response: Response): Promise<{ bytes: Buffer; error?: unknown }> {
  const chunks: Uint8Array[] = [];
  try {
    for await (const chunk of response.body ?? []) chunks.push(chunk);
    return { bytes: Buffer.concat(chunks) };
  } catch (error) {
    return { bytes: Buffer.concat(chunks), error };
  }
}

describe("startFaultProxy", { timeout: 20_000 }, () => {
  let registry: TestRegistry;
  let blobPath: string;
  let blob: Buffer;

  beforeAll(async () => {
    registry = await startRegistry();
    const pushed = await pushTestImage(registry, {
      repository: "faults/image",
      image: {
        layers: [{ compression: "none", files: [{ path: "big", contents: { sizeBytes: 256 * 1024 } }] }],
      },
    });
    const layer = pushed.image.manifests[0]?.layers[0];
    blobPath = `/v2/faults/image/blobs/${layer?.digest}`;
    blob = Buffer.from(await (await fetch(`${registry.url}${blobPath}`)).arrayBuffer());
    expect(sha256(blob)).toBe(layer?.digest);
  });
  afterAll(async () => {
    await registry?.stop();
  });

  /** Runs `body` with a proxy applying `rules`, and stops the proxy afterwards. */
  async function withProxy(
    rules: FaultRule[],
    body: (proxy: Awaited<ReturnType<typeof startFaultProxy>>) => Promise<void>,
  ) {
    const proxy = await startFaultProxy(registry.url, { rules });
    try {
      await body(proxy);
    } finally {
      await proxy.stop();
    }
  }

  it("passes requests through unchanged, Range requests included", async () => {
    await withProxy([], async (proxy) => {
      expect(proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const whole = await fetch(`${proxy.url}${blobPath}`);
      expect(whole.status).toBe(200);
      expect(whole.headers.get("accept-ranges")).toBe("bytes");
      expect(sha256((await readBody(whole)).bytes)).toBe(sha256(blob));
      const part = await fetch(`${proxy.url}${blobPath}`, { headers: { range: "bytes=1000-1999" } });
      expect(part.status).toBe(206);
      expect(part.headers.get("content-range")).toBe(`bytes 1000-1999/${blob.length}`);
      expect((await readBody(part)).bytes.equals(blob.subarray(1000, 2000))).toBe(true);
      expect(proxy.requests().map((request) => [request.method, request.status, request.faults])).toEqual([
        ["GET", 200, []],
        ["GET", 206, []],
      ]);
    });
  });

  it("answers an injected status for the first `times` matching requests, then passes", async () => {
    const rules: FaultRule[] = [
      { method: "GET", path: FAULT_PATHS.blobs, times: 2, fault: { type: "status", status: 503 } },
    ];
    await withProxy(rules, async (proxy) => {
      const head = await fetch(`${proxy.url}${blobPath}`, { method: "HEAD" });
      expect(head.status).toBe(200); // HEAD does not match the rule
      const manifest = await fetch(`${proxy.url}/v2/faults/image/manifests/latest`, {
        headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
      });
      expect(manifest.status).toBe(200); // nor does a manifest
      const statuses = [];
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`${proxy.url}${blobPath}`);
        await readBody(response);
        statuses.push(response.status);
      }
      expect(statuses).toEqual([503, 503, 200]);
      expect(proxy.requests().map((request) => request.faults)).toEqual([[], [], ["status"], ["status"], []]);
    });
  });

  it("sends Retry-After with a 429", async () => {
    await withProxy([{ fault: { type: "status", status: 429, retryAfterSeconds: 2 } }], async (proxy) => {
      const response = await fetch(`${proxy.url}/v2/`);
      expect(response.status).toBe(429);
      expect(response.headers.get("retry-after")).toBe("2");
      expect(await response.json()).toMatchObject({ errors: [{ code: "UNAVAILABLE" }] });
    });
  });

  it("resets the connection after K bytes of the body", async () => {
    await withProxy(
      [{ path: FAULT_PATHS.blobs, times: 1, fault: { type: "reset", afterBytes: 10_000 } }],
      async (proxy) => {
        const response = await fetch(`${proxy.url}${blobPath}`);
        expect(response.status).toBe(200);
        expect(response.headers.get("content-length")).toBe(String(blob.length));
        const { bytes, error } = await readBody(response);
        expect(error).toBeDefined();
        expect(bytes.length).toBeLessThanOrEqual(10_000);
        expect(bytes.equals(blob.subarray(0, bytes.length))).toBe(true);
        const again = await fetch(`${proxy.url}${blobPath}`); // times: 1
        expect(sha256((await readBody(again)).bytes)).toBe(sha256(blob));
        expect(proxy.requests()[0]).toMatchObject({ status: 200, faults: ["reset"], bodyBytes: 10_000 });
      },
    );
  });

  it("resets the connection before any response", async () => {
    await withProxy([{ path: FAULT_PATHS.blobs, fault: { type: "reset" } }], async (proxy) => {
      await expect(fetch(`${proxy.url}${blobPath}`)).rejects.toThrow();
      await expect
        .poll(() => proxy.requests()[0])
        .toMatchObject({ status: 0, faults: ["reset"], bodyBytes: 0 });
    });
  });

  it("truncates: the real Content-Length, then the body ends early", async () => {
    await withProxy(
      [{ path: FAULT_PATHS.blobs, fault: { type: "truncate", afterBytes: 5000 } }],
      async (proxy) => {
        const response = await fetch(`${proxy.url}${blobPath}`);
        expect(response.headers.get("content-length")).toBe(String(blob.length));
        const { bytes, error } = await readBody(response);
        expect(error).toBeDefined(); // fetch notices the body is shorter than announced
        expect(bytes.equals(blob.subarray(0, 5000))).toBe(true);
      },
    );
  });

  it("truncates a Range response too", async () => {
    await withProxy(
      [{ path: FAULT_PATHS.blobs, fault: { type: "truncate", afterBytes: 100 } }],
      async (proxy) => {
        const response = await fetch(`${proxy.url}${blobPath}`, { headers: { range: "bytes=2000-" } });
        expect(response.status).toBe(206);
        const { bytes, error } = await readBody(response);
        expect(error).toBeDefined();
        expect(bytes.equals(blob.subarray(2000, 2100))).toBe(true);
      },
    );
  });

  it("corrupts the bytes at the given offsets and keeps the length", async () => {
    await withProxy(
      [{ path: FAULT_PATHS.blobs, fault: { type: "corrupt", offsets: [0, 100_000] } }],
      async (proxy) => {
        const response = await fetch(`${proxy.url}${blobPath}`);
        const { bytes, error } = await readBody(response);
        expect(error).toBeUndefined();
        expect(bytes.length).toBe(blob.length);
        expect(sha256(bytes)).not.toBe(sha256(blob));
        const differing = [...bytes.keys()].filter((i) => bytes[i] !== blob[i]);
        expect(differing).toEqual([0, 100_000]);
        expect(bytes[0]).toBe((blob[0] ?? 0) ^ 0xff);
      },
    );
  });

  it("delays the headers", async () => {
    await withProxy(
      [{ path: FAULT_PATHS.blobs, fault: { type: "slow", headerDelayMs: 300 } }],
      async (proxy) => {
        const started = Date.now();
        const response = await fetch(`${proxy.url}${blobPath}`);
        expect(Date.now() - started).toBeGreaterThanOrEqual(290);
        await readBody(response);
      },
    );
  });

  it("throttles the body to bytesPerSecond", async () => {
    await withProxy(
      [{ path: FAULT_PATHS.blobs, fault: { type: "slow", bytesPerSecond: 100_000 } }],
      async (proxy) => {
        const started = Date.now();
        const response = await fetch(`${proxy.url}${blobPath}`, { headers: { range: "bytes=0-49999" } });
        const { bytes } = await readBody(response);
        const elapsedMs = Date.now() - started;
        expect(bytes.equals(blob.subarray(0, 50_000))).toBe(true);
        expect(elapsedMs).toBeGreaterThanOrEqual(450); // 50 kB at 100 kB/s
        expect(elapsedMs).toBeLessThan(3000);
      },
    );
  });

  it("noRange: ignores Range and drops Accept-Ranges", async () => {
    await withProxy([{ path: FAULT_PATHS.blobs, fault: { type: "noRange" } }], async (proxy) => {
      const response = await fetch(`${proxy.url}${blobPath}`, { headers: { range: "bytes=1000-1999" } });
      expect(response.status).toBe(200);
      expect(response.headers.get("accept-ranges")).toBeNull();
      expect(response.headers.get("content-range")).toBeNull();
      expect(sha256((await readBody(response)).bytes)).toBe(sha256(blob));
      expect(proxy.requests()[0]?.headers.range).toBe("bytes=1000-1999"); // logged as the client sent it
    });
  });

  it("applies every matching rule: noRange and reset together", async () => {
    const rules: FaultRule[] = [
      { path: FAULT_PATHS.blobs, fault: { type: "noRange" } },
      { path: FAULT_PATHS.blobs, times: 1, fault: { type: "reset", afterBytes: 2000 } },
    ];
    await withProxy(rules, async (proxy) => {
      const first = await readBody(await fetch(`${proxy.url}${blobPath}`));
      expect(first.error).toBeDefined();
      const resumed = await fetch(`${proxy.url}${blobPath}`, {
        headers: { range: `bytes=${first.bytes.length}-` },
      });
      expect(resumed.status).toBe(200); // the client has to start over
      expect((await readBody(resumed)).bytes.length).toBe(blob.length);
      expect(proxy.requests().map((request) => request.faults)).toEqual([["noRange", "reset"], ["noRange"]]);
    });
  });

  it("logs requests without the credentials of Authorization", async () => {
    await withProxy([], async (proxy) => {
      await readBody(
        await fetch(`${proxy.url}/v2/`, { headers: { authorization: "Bearer secret-token-value" } }),
      );
      await readBody(await fetch(`${proxy.url}/v2/`, { headers: { authorization: "Basic dXNlcjpwYXNz" } }));
      const logged = proxy.requests().map((request) => request.headers.authorization);
      expect(logged).toEqual(["Bearer ***", "Basic ***"]);
      expect(JSON.stringify(proxy.requests())).not.toContain("secret-token-value");
    });
  });

  it("lets skopeo push and pull through it (upload Locations point back at the proxy)", async () => {
    await withProxy([], async (proxy) => {
      const pushed = await pushTestImage(
        { host: proxy.host },
        {
          repository: "faults/through-proxy",
          image: { layers: [{ files: [{ path: "via", contents: "proxy\n" }] }] },
        },
      );
      expect(pushed.reference.startsWith(proxy.host)).toBe(true);
      const info = JSON.parse(
        await inspectWithSkopeo(`docker://${registry.host}/faults/through-proxy:latest`),
      );
      expect(info.Digest).toBe(pushed.digest);
      const uploads = proxy.requests().filter((request) => FAULT_PATHS.uploads.test(request.path));
      expect(uploads.some((request) => request.method === "PUT" && request.status === 201)).toBe(true);
    });
  });
});
