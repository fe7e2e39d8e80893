import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { OciError } from "./errors.js";
import { decompressLayer, readingToTheEndOnBadLayer, sniffLayerEncoding } from "./layer-decompress.js";
import { MediaType } from "./media-types.js";
import { chunked, collect } from "./test-support/tar-fixtures.js";

const what = "layer sha256:feed";
const text = Buffer.from("a plain tar would be here; ".repeat(300));
const gz = gzipSync(text);
// A zstd frame of "hello\n" (zstd -q -c), so that the unit tests need no CLI.
const zstdHello = Buffer.from("KLUv/QRYMQAAaGVsbG8KU4i9kQ==", "base64");

const decompress = (mediaType: string, bytes: Uint8Array, size = 4096) =>
  collect(decompressLayer(mediaType, chunked(bytes, size), what));

describe("sniffLayerEncoding", () => {
  it.each([
    ["gzip", [0x1f, 0x8b, 8], "gzip"],
    ["zstd", [0x28, 0xb5, 0x2f, 0xfd], "zstd"],
    ["zstd skippable frame", [0x5e, 0x2a, 0x4d, 0x18], "zstd"],
    ["xz", [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], "xz"],
    ["bzip2", [0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59], "bzip2"],
    ["a tar named BZh9", [0x42, 0x5a, 0x68, 0x39, 0x2e, 0x74, 0x78, 0x74, 0, 0], "none"],
    ["a tar", [...Buffer.from("etc/passwd")], "none"],
    ["nothing", [], "none"],
  ])("%s", (_name, bytes, want) => {
    expect(sniffLayerEncoding(Uint8Array.from(bytes))).toBe(want);
  });
});

describe("decompressLayer", () => {
  it.each([
    ["gzip labelled gzip", MediaType.ociLayerGzip, gz, text],
    ["gzip labelled tar (mislabelled)", MediaType.ociLayer, gz, text],
    ["gzip labelled zstd", MediaType.ociLayerZstd, gz, text],
    ["tar labelled docker gzip (docker save)", MediaType.dockerLayerGzip, text, text],
    ["tar with an unknown media type", "application/x-whatever", text, text],
    ["zstd labelled zstd", MediaType.ociLayerZstd, zstdHello, Buffer.from("hello\n")],
    ["zstd labelled gzip", MediaType.dockerLayerGzip, zstdHello, Buffer.from("hello\n")],
    [
      "concatenated gzip members",
      MediaType.ociLayerGzip,
      Buffer.concat([gzipSync("one "), gzipSync("two")]),
      Buffer.from("one two"),
    ],
    [
      "concatenated zstd frames",
      MediaType.ociLayerZstd,
      Buffer.concat([zstdHello, zstdHello]),
      Buffer.from("hello\nhello\n"),
    ],
    ["an empty blob", MediaType.ociLayerGzip, Buffer.alloc(0), Buffer.alloc(0)],
  ])("reads %s", async (_name, mediaType, input, want) => {
    for (const size of [1, 3, 4096])
      expect((await decompress(mediaType, input, size)).equals(want)).toBe(true);
  });

  const flipped = Buffer.from(gz);
  flipped[gz.length >> 1] = (flipped[gz.length >> 1] ?? 0) ^ 0xff;
  const badZstd = Buffer.from(zstdHello);
  badZstd[6] = 0xff;
  it.each([
    ["corrupt gzip", flipped],
    ["truncated gzip", gz.subarray(0, gz.length - 5)],
    ["gzip with trailing garbage", Buffer.concat([gz, Buffer.from("garbage")])],
    ["corrupt zstd", badZstd],
    ["truncated zstd", zstdHello.subarray(0, zstdHello.length - 3)],
    ["zstd with trailing garbage", Buffer.concat([zstdHello, Buffer.from("garbage-garbage-garbage")])],
  ])("reports %s as OCI_BAD_LAYER naming the layer", async (_name, input) => {
    const error = await decompress(MediaType.ociLayerGzip, input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OciError);
    expect(error).toMatchObject({ code: "OCI_BAD_LAYER", message: expect.stringContaining(what) });
  });

  it.each([
    ["xz", Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 0])],
    ["bzip2", Buffer.from("BZh91AY&SY...")],
  ])("refuses %s layers as OCI_UNSUPPORTED_MEDIA_TYPE", async (_name, input) => {
    await expect(decompress("application/vnd.docker.image.rootfs.diff.tar", input)).rejects.toThrow(
      expect.objectContaining({ code: "OCI_UNSUPPORTED_MEDIA_TYPE" }),
    );
  });

  it.each([
    ["gzip", gz],
    ["zstd", zstdHello],
    ["plain", text],
  ])("passes the source's own errors through unchanged (%s)", async (_name, input) => {
    async function* failing(): AsyncIterable<Uint8Array> {
      yield* chunked(input, 7);
      throw new OciError("OCI_DIGEST_MISMATCH", "digest mismatch");
    }
    await expect(collect(decompressLayer(MediaType.ociLayerGzip, failing(), what))).rejects.toThrow(
      expect.objectContaining({ code: "OCI_DIGEST_MISMATCH" }),
    );
  });

  it.each([
    ["gzip", Buffer.concat([gz.subarray(0, 10), Buffer.alloc(64, 0xff), gz.subarray(74)])],
    ["zstd", badZstd],
  ])(
    "reports a corrupt blob's digest error, read to its end, rather than the decompressor's (%s)",
    async (_name, input) => {
      let rest = 0;
      async function* source(): AsyncIterable<Uint8Array> {
        yield input;
        // Slow, so that the decompressor fails (at the first chunk) long before the blob's end.
        for (let i = 0; i < 4; i++) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          rest++;
          yield Buffer.alloc(1024);
        }
        throw new OciError("OCI_CACHE_CORRUPT", "blob sha256:feed does not match its digest; removed");
      }
      await expect(collect(decompressLayer(MediaType.ociLayerGzip, source(), what))).rejects.toThrow(
        expect.objectContaining({ code: "OCI_CACHE_CORRUPT" }),
      );
      expect(rest).toBe(4);
    },
  );

  it.each([
    ["gzip", gz],
    ["plain", text],
  ])("closes the source when the consumer stops early (%s)", async (_name, input) => {
    let closed = false;
    async function* source(): AsyncIterable<Uint8Array> {
      try {
        yield* chunked(input, 64);
      } finally {
        closed = true;
      }
    }
    for await (const _chunk of decompressLayer(MediaType.ociLayerGzip, source(), what)) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(closed).toBe(true);
  });
});

describe("readingToTheEndOnBadLayer", () => {
  /** Three chunks, then the failure a verifying blob source reports at its end. */
  async function* damagedBlob(): AsyncIterable<Uint8Array> {
    for (let i = 0; i < 3; i++) yield new Uint8Array([i]);
    throw new OciError("OCI_CACHE_CORRUPT", "blob sha256:x is damaged");
  }
  const badLayer = () => new OciError("OCI_BAD_LAYER", "gzip data is corrupt");

  it("reports the source's verdict, read to its end after the consumer's failure", async () => {
    const read = readingToTheEndOnBadLayer(damagedBlob(), async function* (chunks) {
      for await (const chunk of chunks) {
        yield chunk;
        throw badLayer();
      }
    });
    await expect(collect(read)).rejects.toMatchObject({ code: "OCI_CACHE_CORRUPT" });
  });

  it("reports the source's verdict when a read-ahead of the consumer got it", async () => {
    // A stream pipeline asks for the next chunk before it has failed on the one it holds.
    const read = readingToTheEndOnBadLayer(damagedBlob(), async function* (chunks) {
      const source = chunks[Symbol.asyncIterator]();
      await source.next();
      await source.next();
      await source.next();
      void source.next().catch(() => undefined); // in flight: it gets the source's failure
      yield* [];
      throw badLayer();
    });
    await expect(collect(read)).rejects.toMatchObject({ code: "OCI_CACHE_CORRUPT" });
  });

  it("passes the consumer's failure on when the source is sound", async () => {
    async function* soundBlob(): AsyncIterable<Uint8Array> {
      yield new Uint8Array([1]);
    }
    const read = readingToTheEndOnBadLayer(soundBlob(), async function* () {
      yield* [];
      throw badLayer();
    });
    await expect(collect(read)).rejects.toMatchObject({ code: "OCI_BAD_LAYER" });
  });
});
