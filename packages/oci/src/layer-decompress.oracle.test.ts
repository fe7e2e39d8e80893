// Oracle: layers compressed by the real gzip and zstd command-line tools, in the ways registries and
// builders produce them (levels, concatenated members and frames, long windows, no checksum).
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decompressLayer } from "./layer-decompress.js";
import { MediaType } from "./media-types.js";
import { chunked, collect } from "./test-support/tar-fixtures.js";

const compress = (program: string, args: readonly string[], input: Uint8Array) =>
  execFileSync(program, args, { input, maxBuffer: 1 << 28 });

// Compressible text, then random bytes (stored blocks), about 500 kB: several zstd blocks.
const original = Buffer.concat([
  Buffer.from(Array.from({ length: 10_000 }, (_, i) => `line ${i} of a layer\n`).join("")),
  randomBytes(1 << 18),
  Buffer.from("end\n"),
]);
const half = original.length >> 1;

describe("decompressLayer on gzip(1) and zstd(1) output", () => {
  it.each<[string, string, () => Buffer]>([
    ["gzip -1", MediaType.ociLayerGzip, () => compress("gzip", ["-1", "-c"], original)],
    ["gzip -9", MediaType.dockerLayerGzip, () => compress("gzip", ["-9", "-n", "-c"], original)],
    [
      "two gzip members (cat a.gz b.gz)",
      MediaType.ociLayerGzip,
      () =>
        Buffer.concat([
          compress("gzip", ["-c"], original.subarray(0, half)),
          compress("gzip", ["-c"], original.subarray(half)),
        ]),
    ],
    ["zstd -1", MediaType.ociLayerZstd, () => compress("zstd", ["-1", "-q", "-c"], original)],
    ["zstd -19", MediaType.ociLayerZstd, () => compress("zstd", ["-19", "-q", "-c"], original)],
    ["zstd --no-check", MediaType.ociLayerZstd, () => compress("zstd", ["--no-check", "-q", "-c"], original)],
    ["zstd --long=24", MediaType.ociLayerZstd, () => compress("zstd", ["--long=24", "-q", "-c"], original)],
    ["zstd labelled gzip", MediaType.dockerLayerGzip, () => compress("zstd", ["-3", "-q", "-c"], original)],
    [
      "two zstd frames (cat a.zst b.zst)",
      MediaType.ociLayerZstd,
      () =>
        Buffer.concat([
          compress("zstd", ["-q", "-c"], original.subarray(0, half)),
          compress("zstd", ["-q", "-c"], original.subarray(half)),
        ]),
    ],
  ])("%s", async (_name, mediaType, make) => {
    const blob = make();
    const out = await collect(decompressLayer(mediaType, chunked(blob, 65536), "layer x"));
    expect(out.length).toBe(original.length);
    expect(out.equals(original)).toBe(true);
  });

  it.each([
    ["gzip", () => compress("gzip", ["-c"], original)],
    ["zstd", () => compress("zstd", ["-q", "-c"], original.subarray(0, 200_000))],
  ])("reports corrupt %s output as OCI_BAD_LAYER", async (_name, make) => {
    const blob = make();
    blob[100] = (blob[100] ?? 0) ^ 0x55; // inside compressed text, where both formats notice
    await expect(
      collect(decompressLayer(MediaType.ociLayerGzip, chunked(blob, 65536), "layer x")),
    ).rejects.toThrow(expect.objectContaining({ code: "OCI_BAD_LAYER" }));
  });
});
