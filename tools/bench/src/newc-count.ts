/**
 * Counts the entries of an uncompressed initrd: cpio "newc" archives (070701/070702), concatenated,
 * with zero padding between them, as the kernel reads them
 * (Documentation/driver-api/early-userspace/buffer-format.rst). The benchmark's own yardstick for
 * ocikit's initrd (one archive per section) and GNU cpio's (one archive), independent of
 * @ocikit/initrd. Checks only what it needs to walk the archives: the magic and the sizes.
 */

/** What an initrd holds. */
export interface NewcCount {
  /** Entries, not counting the `TRAILER!!!` of each archive. */
  readonly entries: number;
  readonly archives: number;
  /** Sum of the entries' file sizes. */
  readonly dataBytes: number;
  /** Bytes read: the uncompressed initrd's size. */
  readonly totalBytes: number;
}

const HEADER_BYTES = 110;
const FILESIZE_AT = 54;
const NAMESIZE_AT = 94;
const TRAILER = "TRAILER!!!";

const pad4 = (n: number) => (4 - (n % 4)) % 4;

/**
 * Walks the archives in `chunks` (an uncompressed initrd).
 * @throws {Error} when a header is not newc or the input ends inside an entry
 * @example
 * ```ts
 * const count = await countNewc(createReadStream("initrd.img").pipe(createGunzip()));
 * ```
 */
export async function countNewc(chunks: AsyncIterable<Uint8Array>): Promise<NewcCount> {
  let entries = 0;
  let archives = 0;
  let dataBytes = 0;
  let totalBytes = 0;
  let skip = 0; // bytes of data and padding still to pass over
  let head = Buffer.alloc(0); // an unfinished header and name
  for await (const chunk of chunks) {
    totalBytes += chunk.length;
    let at = 0;
    while (at < chunk.length) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - at);
        skip -= n;
        at += n;
        continue;
      }
      // Between archives: zero padding.
      if (head.length === 0 && chunk[at] === 0) {
        at++;
        continue;
      }
      const needed = head.length < HEADER_BYTES ? HEADER_BYTES : HEADER_BYTES + nameSize(head);
      const take = Math.min(needed - head.length, chunk.length - at);
      head = Buffer.concat([head, chunk.subarray(at, at + take)]);
      at += take;
      if (head.length < needed) continue;
      if (head.length === HEADER_BYTES) {
        const magic = head.toString("latin1", 0, 6);
        if (magic !== "070701" && magic !== "070702")
          throw new Error(
            `offset ${totalBytes - chunk.length + at - HEADER_BYTES}: "${magic}" is not a newc header`,
          );
        continue; // now read the name
      }
      const size = hex(head, FILESIZE_AT);
      const name = head.toString("latin1", HEADER_BYTES, head.length - 1);
      if (name === TRAILER) archives++;
      else {
        entries++;
        dataBytes += size;
      }
      skip = pad4(head.length) + size + pad4(size);
      head = Buffer.alloc(0);
    }
  }
  if (head.length > 0 || skip > 0)
    throw new Error(`the input ends inside an entry after ${totalBytes} bytes`);
  return { entries, archives, dataBytes, totalBytes };
}

function hex(header: Buffer, at: number): number {
  return Number.parseInt(header.toString("latin1", at, at + 8), 16);
}

function nameSize(header: Buffer): number {
  return hex(header, NAMESIZE_AT);
}
