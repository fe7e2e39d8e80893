// Memory: a 200 MB body goes through writeNewc and back through readNewc without being buffered:
// peak memory grows by a few chunks' worth of garbage, never by the body's size.
import type { FsEntry } from "@ocikit/fs";
import { describe, expect, it } from "vitest";
import { readNewc } from "./newc-reader.js";
import { writeNewc } from "./newc-writer.js";
import { entry, streamOf } from "./test-support/streams.js";

const BODY_SIZE = 200 * 1024 * 1024;
const CHUNK = 64 * 1024;
const MiB = 1024 * 1024;

/** A generated body: fresh chunks, as a file reader or decompressor would produce them. */
function generated(path: string, size: number): FsEntry {
  return {
    ...entry({ path, type: "file" }),
    size,
    async *body() {
      for (let done = 0; done < size; done += CHUNK)
        yield new Uint8Array(Math.min(CHUNK, size - done)).fill(done % 251);
    },
  };
}

describe("newc memory", () => {
  it("streams a 200 MB body through writeNewc and readNewc with flat memory", {
    timeout: 60_000,
  }, async () => {
    const entries = [
      entry({ path: "before", type: "file" }, "b"),
      generated("big", BODY_SIZE),
      entry({ path: "after", type: "dir" }),
    ];
    const heap = () => {
      const { heapUsed, arrayBuffers } = process.memoryUsage();
      return heapUsed + arrayBuffers;
    };
    const before = heap();
    let peak = before;
    let chunks = 0;
    const seen: string[] = [];
    for await (const e of readNewc(writeNewc(streamOf(entries)))) {
      let bytes = 0;
      for await (const chunk of e.body()) {
        bytes += chunk.length;
        if (++chunks % 64 === 0) peak = Math.max(peak, heap());
      }
      seen.push(`${e.path}:${bytes}`);
    }
    expect(seen).toEqual(["before:1", `big:${BODY_SIZE}`, "after:0"]);
    // Measured here: about +40 MB, fresh chunks the collector has not reclaimed yet. Buffering the
    // body would add its 200 MB; the limit sits between the two.
    expect((peak - before) / MiB).toBeLessThan(100);
  });
});
