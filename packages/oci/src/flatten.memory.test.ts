// Memory: flattening a layer holding a 200 MB file (zeros, from a sparse file, tar'd by GNU tar and
// gzip'd by gzip(1)) streams it: peak memory grows by tens of MB of garbage, never by the file's size.
import { createReadStream } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flattenLayers } from "./flatten.js";
import { decompressLayer } from "./layer-decompress.js";
import { MediaType } from "./media-types.js";
import { sh } from "./test-support/gnu-tar.js";
import { tempDir } from "./test-support/tar-fixtures.js";

const FILE_SIZE = 200 * 1024 * 1024;
const MiB = 1024 * 1024;

describe("flattenLayers memory", () => {
  const temp = tempDir("ocikit-flatten-mem-");
  const layerPath = join(temp.path, "layer.tar.gz");
  beforeAll(() => {
    sh("sh", [
      "-ec",
      `cd ${temp.path}; mkdir t; truncate -s ${FILE_SIZE} t/zeros; echo tail > t/after
      tar -cf - -C t . | gzip -1 > ${layerPath}`,
    ]);
  });
  afterAll(() => temp.remove());

  it("stays flat while a 200 MB body streams through gunzip, the tar reader and the flattener", {
    timeout: 60_000,
  }, async () => {
    const layer = {
      digest: "sha256:big",
      open: () => decompressLayer(MediaType.ociLayerGzip, createReadStream(layerPath), "layer sha256:big"),
    };
    const memory = () => {
      const { rss, heapUsed, arrayBuffers } = process.memoryUsage();
      return { rss, heap: heapUsed + arrayBuffers };
    };
    const before = memory();
    let peak = before;
    let bytes = 0;
    let chunks = 0;
    const seen: string[] = [];
    for await (const entry of flattenLayers([layer])) {
      seen.push(`${entry.path}:${entry.size}`);
      for await (const chunk of entry.body()) {
        bytes += chunk.length;
        if (++chunks % 64 === 0) {
          const now = memory();
          peak = { rss: Math.max(peak.rss, now.rss), heap: Math.max(peak.heap, now.heap) };
        }
      }
    }
    expect(seen.sort()).toEqual([".:0", "after:5", `zeros:${FILE_SIZE}`]);
    expect(bytes).toBe(FILE_SIZE + 5);
    // Measured here: about +30 MB of both, garbage the collector has not reclaimed yet. Buffering the
    // body would add its 200 MB; the limits sit between the two.
    expect((peak.heap - before.heap) / MiB).toBeLessThan(64);
    expect((peak.rss - before.rss) / MiB).toBeLessThan(100);
  });
});
