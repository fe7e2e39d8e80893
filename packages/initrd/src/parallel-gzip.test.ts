import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { readInitrd } from "./initrd-reader.js";
import { writeNewc } from "./newc-writer.js";
import { PARALLEL_GZIP_DEFAULTS, parallelGzipMember } from "./parallel-gzip.js";
import { chunked, collect, entry, rejection, streamOf } from "./test-support/streams.js";

const BLOCK = 64 * 1024;
/** Compressible but not trivial: words from a small vocabulary, pseudo-randomly chosen. */
function text(bytes: number): Buffer {
  const words = ["kernel", "module", "initrd", "busybox", "runc", "config", "\n", " ", "0x1f8b"];
  const parts: string[] = [];
  let seed = 7;
  let length = 0;
  while (length < bytes) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const word = words[seed % words.length] ?? "";
    parts.push(word);
    length += word.length;
  }
  return Buffer.from(parts.join("")).subarray(0, bytes);
}

describe("parallelGzipMember", () => {
  it.each([0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 5 * BLOCK + 123])(
    "round trips %i bytes through gunzip",
    async (n) => {
      const data = text(n);
      const gz = await collect(parallelGzipMember(chunked(data, 10_000), { blockSize: BLOCK }));
      expect(gz.subarray(0, 10).toString("hex")).toBe("1f8b0800000000000003");
      expect(gunzipSync(gz).equals(data)).toBe(true);
    },
  );

  it("writes the same bytes whatever the concurrency and the input chunking", async () => {
    const data = text(9 * BLOCK + 5);
    const outputs = await Promise.all(
      [
        [1, 7],
        [2, 65_536],
        [5, 100_000],
        [16, 1],
      ].map(async ([concurrency, chunk]) =>
        collect(parallelGzipMember(chunked(data, chunk), { blockSize: BLOCK, concurrency })),
      ),
    );
    for (const out of outputs.slice(1)) expect(out.equals(outputs[0] as Buffer)).toBe(true);
  }, 30_000);

  it("costs little over one zlib stream: the dictionary carries over between blocks", async () => {
    const data = text(4 << 20);
    const parallel = await collect(parallelGzipMember(chunked(data, 1 << 16)));
    const single = gzipSync(data, { level: PARALLEL_GZIP_DEFAULTS.level });
    expect(parallel.length / single.length).toBeLessThan(1.01);
  });

  it("is one member that GNU gzip tests and decompresses (oracle)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ocikit-pgzip-"));
    try {
      const data = text(3 * BLOCK + 17);
      const file = join(dir, "x.gz");
      await writeFile(file, await collect(parallelGzipMember(chunked(data, 4096), { blockSize: BLOCK })));
      await promisify(execFile)("gzip", ["-t", file]);
      const { stdout } = await promisify(execFile)("gzip", ["-dc", file], { encoding: "buffer" });
      expect(Buffer.from(stdout).equals(data)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("makes an initrd member the initrd reader lists", async () => {
    const entries = [
      entry({ path: "etc", type: "dir", mode: 0o755 }),
      entry({ path: "etc/big", type: "file", mode: 0o644 }, text(3 * BLOCK)),
    ];
    const gz = parallelGzipMember(writeNewc(streamOf(entries)), { blockSize: BLOCK });
    const listed: string[] = [];
    for await (const e of readInitrd(gz)) listed.push(`${e.member} ${e.compression} ${e.path} ${e.size}`);
    expect(listed).toEqual(["0 gzip etc 0", `0 gzip etc/big ${3 * BLOCK}`]);
  });

  it("passes the source's error through, and refuses bad options at once", async () => {
    expect(await rejection(collect(parallelGzipMember(failing())))).toMatchObject({
      message: "source broke",
    });
    for (const options of [{ level: 10 }, { blockSize: 1000 }, { concurrency: 0 }]) {
      expect(() => parallelGzipMember(chunked(new Uint8Array(1)), options)).toThrow(
        expect.objectContaining({ code: "INITRD_BAD_OPTION" }),
      );
    }
  });
});

async function* failing(): AsyncIterable<Uint8Array> {
  yield new Uint8Array(BLOCK * 20);
  throw new Error("source broke");
}
