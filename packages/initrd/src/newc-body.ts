/**
 * `MemberBody`: the data of the newc member being read — streamed to the consumer by `open()`, or
 * skipped by `finish()` when the reader moves on to the next member, with a "crc" (070702) member's
 * checksum verified either way (as the kernel does for regular files: the byte sum, mod 2^32).
 */
import { assert } from "@ocikit/errors";
import type { ChunkReader } from "@ocikit/fs";
import { InitrdError } from "./errors.js";
import { CRC_MAGIC, pad4 } from "./newc-header.js";
import type { NewcEntry } from "./newc-reader.js";

/** A member's FsEntry view and header, before its body and position are attached. */
export type NewcMember = Omit<NewcEntry, "body" | "archive" | "offset">;

const BODY_CHUNK = 64 * 1024;

/** The unread data of the member whose header and name were just read (see the module comment). */
export class MemberBody {
  #remaining: number;
  #sum = 0;
  #opened = false;
  #finished = false;
  readonly #checksummed: boolean;

  constructor(
    readonly reader: ChunkReader,
    readonly member: NewcMember,
    readonly offset: number,
  ) {
    this.#remaining = member.size;
    this.#checksummed = member.newc.magic === CRC_MAGIC && (member.newc.mode & 0o170000) === 0o100000;
  }

  /**
   * The data as a stream, at most once and only before `finish()`.
   * @throws {InitrdError} while streaming: INITRD_TRUNCATED, INITRD_CHECKSUM_MISMATCH
   */
  open(): AsyncIterable<Uint8Array> {
    assert(!this.#opened, `body() of ${this.member.path} called twice`);
    assert(!this.#finished, `body() of ${this.member.path} called after the next entry was requested`);
    this.#opened = true;
    return this.#stream();
  }

  async *#stream(): AsyncIterable<Uint8Array> {
    while (this.#remaining > 0 && !this.#finished) yield await this.#next();
  }

  async #next(): Promise<Uint8Array> {
    const chunk = await this.reader.readUpTo(Math.min(this.#remaining, BODY_CHUNK));
    if (chunk.length === 0)
      throw truncated(this.offset, `the input ends inside the data of ${this.member.path}`);
    this.#remaining -= chunk.length;
    if (this.#checksummed) {
      let sum = this.#sum;
      for (const byte of chunk) sum += byte;
      this.#sum = sum % 0x1_0000_0000;
      if (this.#remaining === 0 && this.#sum !== this.member.newc.check) {
        throw new InitrdError(
          "INITRD_CHECKSUM_MISMATCH",
          `${this.member.path} (offset ${this.offset}): data sums to ${this.#sum}, the header says ${this.member.newc.check}; the archive is corrupt`,
          { path: this.member.path, offset: this.offset },
        );
      }
    }
    return chunk;
  }

  /**
   * Skips what the consumer did not read, and the padding after the data.
   * @throws {InitrdError} INITRD_TRUNCATED, INITRD_CHECKSUM_MISMATCH
   */
  async finish(): Promise<void> {
    this.#finished = true;
    if (this.#checksummed) while (this.#remaining > 0) await this.#next();
    else await skipExact(this.reader, this.#remaining, this.offset);
    this.#remaining = 0;
    await skipExact(this.reader, pad4(this.member.newc.fileSize), this.offset);
  }
}

/**
 * Skips exactly `length` bytes of the member at `offset`.
 * @throws {InitrdError} INITRD_TRUNCATED when the input ends first
 */
export async function skipExact(reader: ChunkReader, length: number, offset: number): Promise<void> {
  if ((await reader.skip(length)) < length) throw truncated(offset, "the input ends inside a member's data");
}

/** The error for an input that ends inside the member at `offset`. */
export function truncated(offset: number, detail: string): InitrdError {
  return new InitrdError("INITRD_TRUNCATED", `offset ${offset}: ${detail}; the archive is truncated`, {
    offset,
  });
}
