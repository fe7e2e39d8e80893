/**
 * `OutputCoalescer`: gathers the small pieces an archive writer produces (cpio's 110-byte headers,
 * names and 0–3 bytes of padding; tar's 512-byte headers and padding; small files) into chunks of a
 * fixed size, so that the stream downstream (a gzip
 * deflater, a file) sees few large writes. Pieces at least one chunk long pass through without a
 * copy. Emitted chunks are never written to again, so a consumer may keep them.
 */

const NONE: readonly Uint8Array[] = [];

/** Coalesces small writes into chunks of `chunkSize` bytes (the last one may be shorter). */
export class OutputCoalescer {
  readonly #chunkSize: number;
  #buffer: Uint8Array;
  #used = 0;
  #written = 0;

  constructor(chunkSize: number) {
    this.#chunkSize = chunkSize;
    this.#buffer = new Uint8Array(chunkSize);
  }

  /** How many bytes have been added so far (emitted or buffered). */
  get written(): number {
    return this.#written;
  }

  /** Adds `bytes` (copied unless they pass through); returns the chunks ready to emit, in order. */
  add(bytes: Uint8Array): readonly Uint8Array[] {
    this.#written += bytes.length;
    if (bytes.length >= this.#chunkSize) return this.#used === 0 ? [bytes] : [this.#take(), bytes];
    let out = NONE;
    let from = 0;
    while (from < bytes.length) {
      const count = Math.min(this.#chunkSize - this.#used, bytes.length - from);
      this.#buffer.set(bytes.subarray(from, from + count), this.#used);
      this.#used += count;
      from += count;
      if (this.#used === this.#chunkSize) out = [...out, this.#take()];
    }
    return out;
  }

  /** Adds `count` zero bytes; returns the chunks ready to emit. */
  zeros(count: number): readonly Uint8Array[] {
    this.#written += count;
    let out = NONE;
    let left = count;
    while (left > 0) {
      const run = Math.min(this.#chunkSize - this.#used, left);
      this.#buffer.fill(0, this.#used, this.#used + run);
      this.#used += run;
      left -= run;
      if (this.#used === this.#chunkSize) out = [...out, this.#take()];
    }
    return out;
  }

  /** The buffered rest, if any. */
  flush(): readonly Uint8Array[] {
    return this.#used === 0 ? NONE : [this.#take()];
  }

  /**
   * Hands out the buffered bytes. A mostly empty buffer is copied out and reused, so that a consumer
   * keeping small chunks does not keep 64 KiB for each; a fuller one is handed out and replaced.
   */
  #take(): Uint8Array {
    const used = this.#used;
    this.#used = 0;
    if (used < this.#chunkSize / 4) return this.#buffer.slice(0, used);
    const out = this.#buffer.subarray(0, used);
    this.#buffer = new Uint8Array(this.#chunkSize);
    return out;
  }
}
