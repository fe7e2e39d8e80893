/**
 * `ChunkReader`: pull-style reading of exact byte counts from an `AsyncIterable<Uint8Array>`, for the
 * tar reader. It holds at most one source chunk (the rest of the last one it pulled) and pulls the next
 * only when a read needs it, so a slow consumer slows the source down (backpressure) instead of
 * letting data pile up in memory. Bytes are handed out as views of the source's chunks when they can
 * be, copied only when a read spans two chunks.
 */

const EMPTY = new Uint8Array(0);

/** Reads exact byte counts from a chunk stream, keeping count of the offset (for error messages). */
export class ChunkReader {
  readonly #source: AsyncIterator<Uint8Array>;
  #head: Uint8Array = EMPTY;
  #ended = false;
  #offset = 0;

  constructor(chunks: AsyncIterable<Uint8Array>) {
    this.#source = chunks[Symbol.asyncIterator]();
  }

  /** How many bytes have been handed out (read or skipped) so far. */
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

  /** Between 1 and `max` bytes, or an empty array at the end of the source. */
  async readUpTo(max: number): Promise<Uint8Array> {
    if (max <= 0 || !(await this.#fill())) return EMPTY;
    return this.#take(Math.min(max, this.#head.length));
  }

  /** Exactly `length` bytes, or fewer if the source ends first (the caller decides if that is an error). */
  async readExact(length: number): Promise<Uint8Array> {
    if (!(await this.#fill())) return EMPTY;
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

  /** Tells the source we are done (runs its `finally` blocks, closes files and sockets). */
  async close(): Promise<void> {
    this.#head = EMPTY;
    if (!this.#ended) {
      this.#ended = true;
      await this.#source.return?.();
    }
  }
}
