/**
 * Reads ONE gzip member (RFC 1952) from a `ChunkReader` and leaves the reader just after it, so that
 * an initrd's next member (gzip, zero padding or plain cpio) can follow: the kernel decompresses
 * member by member, and node's Gunzip would either merge adjacent members or stop at zero padding
 * and drop the rest. The header is parsed here (FEXTRA, FNAME and FCOMMENT skipped, FHCRC skipped
 * unchecked); the deflate data goes through node:zlib's raw inflater, whose `bytesWritten` (input
 * bytes consumed) tells where the member's deflate stream ended; bytes it did not take are handed
 * back to the reader. The CRC-32 and length trailer are verified.
 */
import { crc32, createInflateRaw, type InflateRaw } from "node:zlib";
import type { ChunkReader } from "@ocikit/fs";
import { InitrdError } from "./errors.js";

const INPUT_CHUNK = 64 * 1024;
const FLAG_HCRC = 0x02;
const FLAG_EXTRA = 0x04;
const FLAG_NAME = 0x08;
const FLAG_COMMENT = 0x10;
const FLAG_RESERVED = 0xe0;

/**
 * Decompresses the gzip member starting at the reader's position (stream offset `start`, for
 * messages), yielding its data; the reader is left just after the member's trailer.
 * @throws {InitrdError} INITRD_BAD_GZIP (bad header, corrupt data, CRC or length mismatch),
 *   INITRD_TRUNCATED (the input ends inside the member)
 */
export async function* inflateGzipMember(reader: ChunkReader, start: number): AsyncGenerator<Uint8Array> {
  await skipGzipHeader(reader, start);
  const inflate = createInflateRaw({ chunkSize: INPUT_CHUNK });
  const pumped = pumpDeflateData(reader, inflate);
  // A pump failure also destroys or errors the inflater, which the loop below reports.
  pumped.catch(() => {});
  let crc = 0;
  let size = 0;
  try {
    for await (const chunk of inflate as AsyncIterable<Uint8Array>) {
      crc = crc32(chunk, crc);
      size += chunk.length;
      yield chunk;
    }
    await pumped;
  } catch (error) {
    if (error instanceof InitrdError) throw error;
    const code = (error as { code?: unknown }).code;
    if (code === "Z_BUF_ERROR") throw truncated(start, "the input ends inside the compressed data");
    throw new InitrdError(
      "INITRD_BAD_GZIP",
      `offset ${start}: gzip member does not decompress (${(error as Error).message}); the initrd is corrupt`,
      { offset: start },
      { cause: error },
    );
  } finally {
    inflate.destroy();
  }
  const trailer = await reader.readExact(8);
  if (trailer.length < 8) throw truncated(start, "the input ends inside the gzip trailer");
  const view = new DataView(trailer.buffer, trailer.byteOffset, 8);
  const [wantCrc, wantSize] = [view.getUint32(0, true), view.getUint32(4, true)];
  if (wantCrc !== crc || wantSize !== size % 0x1_0000_0000) {
    throw new InitrdError(
      "INITRD_BAD_GZIP",
      `offset ${start}: gzip member has CRC-32 ${hex(crc)} and ${size} bytes, its trailer says ${hex(wantCrc)} and ${wantSize}; the initrd is corrupt`,
      { offset: start },
    );
  }
}

/** Feeds deflate data to the inflater until it stops taking input; hands back what it did not take. */
async function pumpDeflateData(reader: ChunkReader, inflate: InflateRaw): Promise<void> {
  let written = 0;
  while (!inflate.destroyed) {
    const chunk = await reader.readUpTo(INPUT_CHUNK);
    if (chunk.length === 0) {
      inflate.end(); // a member cut short makes the inflater fail with Z_BUF_ERROR
      return;
    }
    await new Promise<void>((resolve, reject) =>
      inflate.write(chunk, (error) => (error ? reject(error) : resolve())),
    );
    written += chunk.length;
    // The write callback runs once the inflater has taken all it will of this chunk; if it left some,
    // the deflate stream has ended (node pushes end-of-stream then) and the rest belongs to the trailer.
    const unused = written - inflate.bytesWritten;
    if (unused > 0) {
      reader.unread(chunk.subarray(chunk.length - unused));
      inflate.end();
      return;
    }
  }
}

async function skipGzipHeader(reader: ChunkReader, start: number): Promise<void> {
  const header = await reader.readExact(10);
  if (header.length < 10) throw truncated(start, "the input ends inside a gzip header");
  const [id1, id2, method = 0, flags = 0] = header;
  if (id1 !== 0x1f || id2 !== 0x8b || method !== 8 || (flags & FLAG_RESERVED) !== 0) {
    throw new InitrdError(
      "INITRD_BAD_GZIP",
      `offset ${start}: not a deflate gzip header (method ${method}, flags 0x${flags.toString(16)}); expected RFC 1952 with method 8`,
      { offset: start },
    );
  }
  if (flags & FLAG_EXTRA) {
    const length = await reader.readExact(2);
    const extra = (length[0] ?? 0) | ((length[1] ?? 0) << 8);
    if (length.length < 2 || (await reader.skip(extra)) < extra)
      throw truncated(start, "the input ends inside a gzip header");
  }
  if (flags & FLAG_NAME) await skipZeroTerminated(reader, start);
  if (flags & FLAG_COMMENT) await skipZeroTerminated(reader, start);
  if (flags & FLAG_HCRC && (await reader.skip(2)) < 2)
    throw truncated(start, "the input ends inside a gzip header");
}

async function skipZeroTerminated(reader: ChunkReader, start: number): Promise<void> {
  for (;;) {
    const bytes = await reader.readUpTo(INPUT_CHUNK);
    if (bytes.length === 0) throw truncated(start, "the input ends inside a gzip header");
    const nul = bytes.indexOf(0);
    if (nul >= 0) {
      reader.unread(bytes.subarray(nul + 1));
      return;
    }
  }
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, "0")}`;
}

function truncated(offset: number, detail: string): InitrdError {
  return new InitrdError("INITRD_TRUNCATED", `offset ${offset}: ${detail}; the initrd is truncated`, {
    offset,
  });
}
