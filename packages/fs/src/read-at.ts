/**
 * Random-access reads of a host file (archives read in place, ISOs inspected): `FileHandle.read` may
 * return fewer bytes than asked before the end, so a read is repeated until it has them all.
 */
import type { FileHandle } from "node:fs/promises";

/**
 * `length` bytes of `handle` from byte `position`; fewer only at the file's end.
 * @example
 * const header = await readAt(handle, 0, 512);
 */
export async function readAt(handle: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}
