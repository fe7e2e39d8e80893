/**
 * Output files appear whole or not at all: each is written to a temporary name beside its final
 * one and renamed when complete; on any failure the temporary file is removed, so an interrupted
 * build never leaves a half-written file under an output's name. The temporary files being written
 * are tracked, so that a process stopped by a signal can remove them too
 * ({@link removeUnfinishedFilesSync}).
 */
import { randomBytes } from "node:crypto";
import { createWriteStream, rmSync } from "node:fs";
import { copyFile, open, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ensureDir, hostRefusalReason } from "@ocikit/fs";
import { BuildError } from "./errors.js";

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
function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`);
}

/** Streams `chunks` into `path` atomically; returns the size written. */
export async function writeFileAtomic(
  path: string,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<number> {
  const stream = streamFrom(chunks);
  return replaceAtomically(path, stream.into, stream.failed);
}

/**
 * Writes the concatenation of `sources` (files) to `path` atomically; returns the size written. The
 * first file is copied by the kernel (`copyFile`: copy_file_range or reflink), the rest appended
 * through one 4 MiB buffer: an initrd of cached members is written at close to `cat`'s speed.
 */
export async function concatFilesAtomic(path: string, sources: readonly string[]): Promise<number> {
  return replaceAtomically(
    path,
    (temp) => concatInto(temp, sources),
    // A missing or unreadable source (a section cache file) is not the output's fault.
    (error) => {
      const source = (error as NodeJS.ErrnoException).path;
      return source !== undefined && source !== path && sources.includes(source);
    },
  );
}

/** Streams `chunks` into a new temporary file (for later rename or concatenation); returns its path. */
export async function writeTemp(
  dir: string,
  name: string,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<string> {
  const temp = tempPathFor(join(dir, name));
  const stream = streamFrom(chunks);
  await writeTracked(temp, temp, stream.into, stream.failed);
  return temp;
}

/** Writes `path` through a tracked temporary file renamed over it; returns the size written. */
async function replaceAtomically(
  path: string,
  write: (temp: string) => Promise<void>,
  isSourceError: (error: unknown) => boolean,
): Promise<number> {
  const temp = tempPathFor(path);
  await writeTracked(
    temp,
    path,
    async () => {
      await write(temp);
      await rename(temp, path);
    },
    isSourceError,
  );
  settleTemp(temp);
  return (await stat(path)).size;
}

/**
 * Runs `write` on `temp`, tracked as unfinished until settled (or discarded); on failure removes it.
 * Errors of the host filesystem become BUILD_OUTPUT naming `shownAs`; errors of the source pass through.
 */
async function writeTracked(
  temp: string,
  shownAs: string,
  write: (temp: string) => Promise<void>,
  isSourceError: (error: unknown) => boolean,
): Promise<void> {
  try {
    await ensureDir(dirname(temp));
  } catch (error) {
    throw outputError(error, shownAs);
  }
  unfinished.add(temp);
  try {
    await write(temp);
  } catch (error) {
    // The write's error is the one to report; failing to remove its temporary file too adds nothing.
    await discardTemp(temp).catch(() => undefined);
    throw isSourceError(error) ? error : outputError(error, shownAs);
  }
}

/** A writer of `chunks` to a file, and a test for the errors that came from `chunks` themselves. */
function streamFrom(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): {
  into: (file: string) => Promise<void>;
  failed: (error: unknown) => boolean;
} {
  let sourceError: unknown;
  const source = async function* () {
    try {
      yield* chunks;
    } catch (error) {
      sourceError = error;
      throw error;
    }
  };
  return {
    into: (file) => pipeline(Readable.from(source(), { objectMode: false }), createWriteStream(file)),
    failed: (error) => error === sourceError,
  };
}

/** Copies the first source to `temp`, then appends the rest through one 4 MiB buffer. */
async function concatInto(temp: string, sources: readonly string[]): Promise<void> {
  const [first, ...rest] = sources;
  if (first === undefined) await (await open(temp, "w")).close();
  else await copyFile(first, temp);
  if (rest.length === 0) return;
  const out = await open(temp, "a");
  try {
    const buffer = Buffer.allocUnsafe(4 << 20);
    for (const source of rest) {
      const input = await open(source, "r");
      try {
        for (;;) {
          const { bytesRead } = await input.read(buffer, 0, buffer.length, null);
          if (bytesRead === 0) break;
          await out.write(buffer, 0, bytesRead);
        }
      } finally {
        await input.close();
      }
    }
  } finally {
    await out.close();
  }
}

/** Codes that mean something particular when an output is written. */
const OUTPUT_REASONS: Readonly<Record<string, string>> = {
  ENOENT: "the directory cannot be created there",
  ENOTDIR: "a parent is not a directory",
  EISDIR: "it is a directory",
};

/** A host filesystem error while writing `path`, as a BuildError the user can act on. */
function outputError(error: unknown, path: string): BuildError {
  const code = (error as NodeJS.ErrnoException).code ?? "";
  const reason = hostRefusalReason(code) ?? OUTPUT_REASONS[code] ?? (error as Error).message;
  return new BuildError("BUILD_OUTPUT", `cannot write ${path}: ${reason}${code ? ` (${code})` : ""}`, {
    cause: error,
  });
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
