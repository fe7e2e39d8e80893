/**
 * Output files appear whole or not at all: each is written to a temporary name beside its final
 * one and renamed when complete; on any failure the temporary file is removed, so an interrupted
 * build never leaves a half-written file under an output's name. The temporary files being written
 * are tracked, so that a process stopped by a signal can remove them too
 * ({@link removeUnfinishedFilesSync}).
 */
import { randomBytes } from "node:crypto";
import { createWriteStream, rmSync } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

const unfinished = new Set<string>();

/**
 * Removes every temporary file this process is writing (outputs and section-cache members not yet
 * renamed). Synchronous, for a signal handler that exits right after: `ocikit` calls it on SIGINT
 * and SIGTERM.
 */
export function removeUnfinishedFilesSync(): readonly string[] {
  const removed = [...unfinished];
  for (const path of removed) rmSync(path, { force: true });
  unfinished.clear();
  return removed;
}

/** A temporary path for `path`, in the same directory (so the rename is atomic). */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`);
}

/** Streams `chunks` into `path` atomically; returns the size written. */
export async function writeFileAtomic(
  path: string,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<number> {
  await mkdir(dirname(path), { recursive: true });
  const temp = tempPathFor(path);
  unfinished.add(temp);
  try {
    await pipeline(Readable.from(chunks, { objectMode: false }), createWriteStream(temp));
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  } finally {
    unfinished.delete(temp);
  }
  return (await stat(path)).size;
}

/** Streams `chunks` into a new temporary file (for later rename or concatenation); returns its path. */
export async function writeTemp(
  dir: string,
  name: string,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${name}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`);
  unfinished.add(temp);
  try {
    await pipeline(Readable.from(chunks, { objectMode: false }), createWriteStream(temp));
  } catch (error) {
    unfinished.delete(temp);
    await rm(temp, { force: true });
    throw error;
  }
  return temp;
}

/** A temporary file from {@link writeTemp} was renamed to its final name: stop tracking it. */
export function settleTemp(temp: string): void {
  unfinished.delete(temp);
}

/** Removes a temporary file from {@link writeTemp} that will not be used. */
export async function discardTemp(temp: string): Promise<void> {
  unfinished.delete(temp);
  await rm(temp, { force: true });
}
