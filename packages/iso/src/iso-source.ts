/**
 * `IsoSource`: random access to an image's bytes, what `readIso` reads from (a file handle, bytes in
 * memory, a blob), and the one place reads are checked against the image's end, so that a truncated
 * image fails with ISO_BAD_IMAGE naming what was being read rather than with short data.
 */
import type { FileHandle } from "node:fs/promises";
import { readAt } from "@ocikit/fs";
import { IsoError } from "./errors.js";

/** Random access to an image of `sizeBytes` bytes. */
export interface IsoSource {
  /** `length` bytes from byte `position`; fewer only past the end. */
  read(position: number, length: number): Promise<Uint8Array>;
  readonly sizeBytes: number;
}

/**
 * An `IsoSource` over bytes in memory.
 * @example
 * ```ts
 * const image = await readIso(bytesSource(await readFile("linuxkit.iso")));
 * ```
 */
export function bytesSource(bytes: Uint8Array): IsoSource {
  return {
    sizeBytes: bytes.length,
    read: async (position, length) => bytes.subarray(position, position + length),
  };
}

/**
 * An `IsoSource` over an open file of `sizeBytes` bytes, read in place.
 * @example
 * ```ts
 * const handle = await open("linuxkit.iso");
 * const image = await readIso(fileHandleSource(handle, (await handle.stat()).size));
 * ```
 */
export function fileHandleSource(handle: FileHandle, sizeBytes: number): IsoSource {
  return { sizeBytes, read: (position, length) => readAt(handle, position, length) };
}

/**
 * `length` bytes at `position`, all of them.
 * @throws {IsoError} ISO_BAD_IMAGE naming `what` when they are not all in the image
 */
export async function readImageBytes(
  source: IsoSource,
  position: number,
  length: number,
  what: string,
): Promise<Uint8Array> {
  const end = position + length;
  if (end > source.sizeBytes) throw truncated(what, position, end, source.sizeBytes);
  const bytes = await source.read(position, length);
  if (bytes.length < length) throw truncated(what, position, end, position + bytes.length);
  return bytes.length === length ? bytes : bytes.subarray(0, length);
}

function truncated(what: string, position: number, end: number, available: number): IsoError {
  return new IsoError(
    "ISO_BAD_IMAGE",
    `${what}: bytes ${position} to ${end} are past the image's end (${available} bytes); the image is truncated`,
  );
}
