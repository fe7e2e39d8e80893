/**
 * Helpers for the initrd tests: byte streams in and out, entries made in memory, and one-line
 * listings of headers so that a failing comparison is a readable diff.
 */
import type { FsEntry, FsHeader } from "@ocikit/fs";

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Concatenates a stream. */
export async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

/** A stream of `bytes` in pieces of `size` bytes (1 to test every boundary). */
export async function* chunked(bytes: Uint8Array, size = 4096): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** An async iterable over `items`. */
export async function* streamOf<T>(items: Iterable<T>): AsyncIterable<T> {
  yield* items;
}

/** An entry: defaults (root-owned, mtime 1_700_000_000) under `header`, body from `body`. */
export function entry(
  header: Partial<FsHeader> & Pick<FsHeader, "path" | "type">,
  body?: Uint8Array | string,
): FsEntry {
  const bytes = typeof body === "string" ? utf8(body) : (body ?? new Uint8Array(0));
  return {
    mode: header.type === "dir" ? 0o755 : header.type === "symlink" ? 0o777 : 0o644,
    uid: 0,
    gid: 0,
    mtime: 1_700_000_000,
    size: header.type === "file" ? bytes.length : 0,
    ...header,
    async *body() {
      if (bytes.length > 0) yield bytes;
    },
  };
}

/** An entry with its body read. */
export interface ReadEntry<E extends FsEntry = FsEntry> {
  readonly entry: E;
  readonly body: Buffer;
}

/** Reads every entry with its body. */
export async function readAll<E extends FsEntry>(entries: AsyncIterable<E>): Promise<ReadEntry<E>[]> {
  const out: ReadEntry<E>[] = [];
  for await (const e of entries) out.push({ entry: e, body: await collect(e.body()) });
  return out;
}

/** One listing line: `path type mode uid:gid size target`. */
export function listingLine(h: FsHeader): string {
  const target =
    h.type === "symlink" || h.type === "hardlink"
      ? ` -> ${h.linkTarget}`
      : h.type === "char" || h.type === "block"
        ? ` ${h.devMajor},${h.devMinor}`
        : "";
  return `${h.path} ${h.type} ${h.mode.toString(8).padStart(4, "0")} ${h.uid}:${h.gid} ${h.size}${target}`;
}

/** Collects the error a promise rejects with (fails if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}
