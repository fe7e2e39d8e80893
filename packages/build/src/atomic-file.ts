/**
 * Output files appear whole or not at all: each is written to a temporary name beside its final
 * one and renamed when complete; on any failure the temporary file is removed, so an interrupted
 * build never leaves a half-written file under an output's name.
 */
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

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
  try {
    await pipeline(Readable.from(chunks, { objectMode: false }), createWriteStream(temp));
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return (await stat(path)).size;
}

/** Streams `chunks` into a new temporary file (for later rename or concatenation); returns its path. */
export async function writeTemp(
  dir: string,
  name: string,
  chunks: AsyncIterable<Uint8Array>,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${name}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`);
  try {
    await pipeline(Readable.from(chunks, { objectMode: false }), createWriteStream(temp));
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return temp;
}
