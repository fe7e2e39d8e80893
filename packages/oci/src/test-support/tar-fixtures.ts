/**
 * Helpers for the tar, decompression and flattening tests: byte streams in and out, hand-made
 * (possibly hostile) header blocks, real GNU tar and friends run in temporary directories, and
 * `ls -l`-style listings so that a failing comparison is a readable diff.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FsEntry, FsHeader } from "@ocikit/fs";
import { BLOCK_SIZE, encodeTarHeader, type TarHeaderFields } from "../tar-header.js";
import { encodePaxRecords } from "../tar-pax.js";

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

/** An entry's header and its body as text (or hex for binary), for comparisons. */
export interface ReadEntry {
  readonly header: FsHeader;
  readonly body: Buffer;
}

/** Reads every entry with its body. */
export async function readAll(entries: AsyncIterable<FsEntry>): Promise<ReadEntry[]> {
  const out: ReadEntry[] = [];
  for await (const entry of entries) {
    const { body, ...header } = entry;
    out.push({ header, body: await collect(body()) });
  }
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

/** Defaults for a hand-made header block. */
export function fields(overrides: Partial<TarHeaderFields>): TarHeaderFields {
  return {
    name: "f",
    prefix: "",
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: 0,
    mtime: 1_700_000_000,
    typeflag: "0",
    linkname: "",
    uname: "",
    gname: "",
    devMajor: 0,
    devMinor: 0,
    ...overrides,
  };
}

/** A header block plus its body padded to whole blocks. */
export function member(overrides: Partial<TarHeaderFields>, body: Uint8Array | string = ""): Buffer {
  const bytes = typeof body === "string" ? utf8(body) : body;
  const padded = Buffer.alloc(Math.ceil(bytes.length / BLOCK_SIZE) * BLOCK_SIZE);
  padded.set(bytes);
  return Buffer.concat([encodeTarHeader(fields({ size: bytes.length, ...overrides })), padded]);
}

/** A PAX (`x` or `g`) header member carrying `records`. */
export function paxMember(records: Record<string, string>, typeflag: "x" | "g" = "x"): Buffer {
  return member({ name: "PaxHeaders/x", typeflag }, encodePaxRecords(Object.entries(records)));
}

/** Members followed by the end-of-archive marker. */
export function archive(...members: Uint8Array[]): Buffer {
  return Buffer.concat([...members, Buffer.alloc(2 * BLOCK_SIZE)]);
}

/** Runs a program, returning stdout; throws with stderr on failure. */
export function run(
  program: string,
  args: readonly string[],
  options: { cwd?: string; input?: Uint8Array } = {},
): Buffer {
  return execFileSync(program, args, {
    cwd: options.cwd,
    input: options.input,
    maxBuffer: 1 << 28,
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** Runs a program and returns its status, stdout and stderr (to check for warnings). */
export function runBoth(
  program: string,
  args: readonly string[],
  options: { cwd?: string; input?: Uint8Array } = {},
) {
  const result = spawnSync(program, args, { cwd: options.cwd, input: options.input, maxBuffer: 1 << 28 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.toString() };
}

/** A temporary directory removed by the returned function. */
export function tempDir(prefix = "ocikit-tar-"): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
