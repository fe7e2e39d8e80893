/**
 * An entry's body checked against its declared size, for writers whose layout was planned from the
 * headers: a body longer or shorter than `size` would shift everything after it.
 */
import type { FsEntry } from "./fs-entry.js";

/**
 * Yields `entry`'s body, throwing `mismatch(got)` as soon as it passes `entry.size` bytes (`got` is
 * "more than SIZE"; the chunk that passes it is not yielded) or, at its end, when it fell short (`got`
 * is the byte count). The writer's own error says what the mismatch breaks.
 * @example
 * for await (const chunk of sizedBody(entry, (got) => new Error(`${entry.path}: ${got} bytes`))) out.push(chunk);
 */
export async function* sizedBody(
  entry: Pick<FsEntry, "size" | "body">,
  mismatch: (got: string) => Error,
): AsyncIterable<Uint8Array> {
  let copied = 0;
  for await (const chunk of entry.body()) {
    copied += chunk.length;
    if (copied > entry.size) throw mismatch(`more than ${entry.size}`);
    yield chunk;
  }
  if (copied !== entry.size) throw mismatch(String(copied));
}
