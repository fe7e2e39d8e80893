import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sha256Digest } from "./digest.js";
import { OciLayoutStore, REF_NAME_ANNOTATION } from "./layout-store.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ocikit-layout-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function* chunks(...parts: string[]): AsyncIterable<Uint8Array> {
  for (const p of parts) yield new TextEncoder().encode(p);
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<string> {
  let out = "";
  for await (const c of it) out += new TextDecoder().decode(c);
  return out;
}

describe("OciLayoutStore", () => {
  it("creates a layout other tools recognise", async () => {
    await OciLayoutStore.open(dir, { create: true });
    expect(JSON.parse(await readFile(join(dir, "oci-layout"), "utf8"))).toEqual({
      imageLayoutVersion: "1.0.0",
    });
    expect(JSON.parse(await readFile(join(dir, "index.json"), "utf8"))).toMatchObject({
      schemaVersion: 2,
      manifests: [],
    });
  });

  it("refuses a directory that is not a layout unless asked to create one", async () => {
    await expect(OciLayoutStore.open(dir)).rejects.toMatchObject({ code: "OCI_NOT_CACHED" });
    await writeFile(join(dir, "oci-layout"), '{"imageLayoutVersion":"2.0"}');
    await expect(OciLayoutStore.open(dir)).rejects.toMatchObject({ code: "OCI_CACHE_CORRUPT" });
  });

  it("writes a verified blob atomically and reads it back verified", async () => {
    const store = await OciLayoutStore.open(dir, { create: true });
    const blob = { digest: sha256Digest("hello world"), size: 11 };
    const progress: number[] = [];
    await store.writeBlob(blob, chunks("hello ", "world"), "test blob", (done) => progress.push(done));
    expect(progress).toEqual([6, 11]);
    expect(await store.hasBlob(blob)).toBe(true);
    expect(await collect(store.readBlob(blob))).toBe("hello world");
    expect(await readdir(join(dir, "ingest"))).toEqual([]);
  });

  it("never stores a blob whose bytes do not match, and leaves no temporary file", async () => {
    const store = await OciLayoutStore.open(dir, { create: true });
    const blob = { digest: sha256Digest("hello world"), size: 11 };
    await expect(store.writeBlob(blob, chunks("hello WORLD"), "layer x of y")).rejects.toMatchObject({
      code: "OCI_DIGEST_MISMATCH",
      message: expect.stringContaining("layer x of y"),
    });
    await expect(store.writeBlob(blob, chunks("hello"), "layer x of y")).rejects.toMatchObject({
      code: "OCI_SIZE_MISMATCH",
    });
    await expect(store.writeBlob(blob, chunks("hello world!"), "layer x of y")).rejects.toMatchObject({
      code: "OCI_SIZE_MISMATCH",
    });
    expect(await store.hasBlob(blob)).toBe(false);
    expect(await readdir(join(dir, "ingest"))).toEqual([]);
  });

  it("cleans up when the source stream fails half-way (an interrupted download)", async () => {
    const store = await OciLayoutStore.open(dir, { create: true });
    const blob = { digest: sha256Digest("hello world"), size: 11 };
    async function* broken(): AsyncIterable<Uint8Array> {
      yield new TextEncoder().encode("hello");
      throw new Error("connection reset");
    }
    await expect(store.writeBlob(blob, broken(), "x")).rejects.toThrow("connection reset");
    expect(await store.hasBlob(blob)).toBe(false);
    expect(await readdir(join(dir, "ingest"))).toEqual([]);
  });

  it("detects a blob damaged on disk when reading it", async () => {
    const store = await OciLayoutStore.open(dir, { create: true });
    const blob = { digest: sha256Digest("hello world"), size: 11 };
    await store.writeBlob(blob, chunks("hello world"), "x");
    await writeFile(store.blobPath(blob.digest), "hello wurld");
    await expect(collect(store.readBlob(blob))).rejects.toMatchObject({
      code: "OCI_CACHE_CORRUPT",
      message: expect.stringContaining("was removed"),
    });
    expect(await store.hasBlob(blob)).toBe(false);
    await expect(collect(store.readBlob({ digest: sha256Digest("nope"), size: 4 }))).rejects.toMatchObject({
      code: "OCI_NOT_CACHED",
    });
  });

  it("names descriptors, replacing an entry with the same name, and removes names", async () => {
    const store = await OciLayoutStore.open(dir, { create: true });
    const a = await store.writeBytes(
      new TextEncoder().encode("{}"),
      "application/vnd.oci.image.manifest.v1+json",
    );
    const b = await store.writeBytes(
      new TextEncoder().encode("{ }"),
      "application/vnd.oci.image.manifest.v1+json",
    );
    await store.setName("x:1", a);
    await store.setName("y:1", a);
    await store.setName("x:1", b);
    expect((await store.names()).map((n) => [n.name, n.descriptor.digest])).toEqual([
      ["y:1", a.digest],
      ["x:1", b.digest],
    ]);
    expect((await store.resolveName("x:1"))?.annotations?.[REF_NAME_ANNOTATION]).toBe("x:1");
    expect((await store.removeNames(["y:1"])).map((n) => n.name)).toEqual(["y:1"]);
    expect((await store.names()).map((n) => n.name)).toEqual(["x:1"]);
  });

  it("lets several processes write blobs and names at once", async () => {
    await OciLayoutStore.open(dir, { create: true });
    const script = join(dir, "..", `writer-${process.pid}.mts`);
    await writeFile(
      script,
      `import { OciLayoutStore } from ${JSON.stringify(join(import.meta.dirname, "layout-store.ts"))};
import { sha256Digest } from ${JSON.stringify(join(import.meta.dirname, "digest.ts"))};
const [dir, id] = process.argv.slice(2);
const store = await OciLayoutStore.open(dir, { create: true });
for (let i = 0; i < 20; i++) {
  const shared = new TextEncoder().encode("shared " + i);
  await store.writeBlob({ digest: sha256Digest(shared), size: shared.length }, (async function* () { yield shared; })(), "shared");
  const own = await store.writeBytes(new TextEncoder().encode(id + " " + i), "application/octet-stream");
  await store.setName(id + ":" + i, own);
}
`,
    );
    try {
      const run = (id: string) =>
        promisify(execFile)(process.execPath, ["--conditions=source", "--import", "tsx", script, dir, id], {
          cwd: join(import.meta.dirname, ".."),
        });
      await Promise.all(["a", "b", "c", "d"].map(run));
      const store = await OciLayoutStore.open(dir);
      expect((await store.names()).length).toBe(80);
      for (let i = 0; i < 20; i++)
        expect(await store.hasBlob({ digest: sha256Digest(`shared ${i}`), size: `shared ${i}`.length })).toBe(
          true,
        );
    } finally {
      await rm(script, { force: true });
    }
  }, 60_000);
});
