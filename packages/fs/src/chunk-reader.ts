/**
 * `ChunkReader`: pull-style reading of exact byte counts from an `AsyncIterable<Uint8Array>`, for the
 * stream readers of every package (tar in @ocikit/oci; newc, gzip members and initrds in
 * @ocikit/initrd). It holds at most the rest of one source chunk (plus anything handed
 * back with `unread`) and pulls the next only when a read needs it, so a slow consumer slows the
 * source down instead of letting data pile up in memory. Bytes are handed out as views of the
 * source's chunks when they can be, copied only when a read spans two chunks.
 */

const EMPTY = new Uint8Array(0);

/** Reads exact byte counts from a chunk stream, counting the offset (for alignment and messages). */
export class ChunkReader {
  readonly #source: AsyncIterator<Uint8Array>;
  #head: Uint8Array = EMPTY;
  #ended = false;
  #offset = 0;

  constructor(chunks: AsyncIterable<Uint8Array>) {
    this.#source = chunks[Symbol.asyncIterator]();
  }

  /** How many bytes have been handed out (read or skipped, minus any handed back) so far. */
  get offset(): number {
    return this.#offset;
  }

  /** Makes sure some bytes are buffered; false at the end of the source. */
  async #fill(): Promise<boolean> {
    while (this.#head.length === 0) {
      if (this.#ended) return false;
      const next = await this.#source.next();
      if (next.done) {
        this.#ended = true;
        return false;
      }
      this.#head = next.value;
    }
    return true;
  }

  #take(length: number): Uint8Array {
    const out = this.#head.subarray(0, length);
    this.#head = this.#head.subarray(length);
    this.#offset += length;
    return out;
  }

  /** Whether the source is exhausted (pulls a chunk to find out). */
  async atEnd(): Promise<boolean> {
    return !(await this.#fill());
  }

  /** Between 1 and `max` bytes, or an empty array at the end of the source. */
  async readUpTo(max: number): Promise<Uint8Array> {
    if (max <= 0 || !(await this.#fill())) return EMPTY;
    return this.#take(Math.min(max, this.#head.length));
  }

  /** Exactly `length` bytes, or fewer if the source ends first (the caller decides if that is an error). */
  async readExact(length: number): Promise<Uint8Array> {
    if (length <= 0 || !(await this.#fill())) return EMPTY;
    if (this.#head.length >= length) return this.#take(length);
    const out = new Uint8Array(length);
    let filled = 0;
    while (filled < length && (await this.#fill())) {
      const part = this.#take(Math.min(length - filled, this.#head.length));
      out.set(part, filled);
      filled += part.length;
    }
    return filled === length ? out : out.subarray(0, filled);
  }

  /** Discards up to `length` bytes; returns how many were discarded (fewer only at the end). */
  async skip(length: number): Promise<number> {
    let skipped = 0;
    while (skipped < length && (await this.#fill())) {
      skipped += this.#take(Math.min(length - skipped, this.#head.length)).length;
    }
    return skipped;
  }

  /** Reads the source to its end, discarding it; returns how many bytes that was. */
  async drain(): Promise<number> {
    let drained = 0;
    while (await this.#fill()) drained += this.#take(this.#head.length).length;
    return drained;
  }

  /** Discards zero bytes up to the next non-zero byte or the end; returns how many were discarded. */
  async skipZeros(): Promise<number> {
    let skipped = 0;
    while (await this.#fill()) {
      const nonZero = this.#head.findIndex((byte) => byte !== 0);
      const zeros = nonZero < 0 ? this.#head.length : nonZero;
      this.#take(zeros);
      skipped += zeros;
      if (nonZero >= 0) break;
    }
    return skipped;
  }

  /** Up to `length` bytes from the current offset, without consuming them. */
  async peek(length: number): Promise<Uint8Array> {
    const bytes = await this.readExact(length);
    this.unread(bytes);
    return bytes;
  }

  /**
   * Hands back bytes that were just read (the end of the last read, in order), to be read again: the
   * gzip reader gives back what the inflater did not consume.
   */
  unread(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.#head.length === 0) this.#head = bytes;
    else {
      const joined = new Uint8Array(bytes.length + this.#head.length);
      joined.set(bytes);
      joined.set(this.#head, bytes.length);
      this.#head = joined;
    }
    this.#offset -= bytes.length;
  }

  /** Tells the source we are done (runs its `finally` blocks, closes files and sockets). */
  async close(): Promise<void> {
    this.#head = EMPTY;
    if (!this.#ended) {
      this.#ended = true;
      await this.#source.return?.();
    }
  }
}
