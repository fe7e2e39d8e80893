/**
 * Reads whole initrd files as the kernel sees them (init/initramfs.c, unpack_to_rootfs): a sequence of
 * members, each either an uncompressed cpio archive starting on a 4-byte boundary (the microcode
 * archive comes first this way) or a compressed member holding one or more archives, with zero bytes
 * allowed between members. Every entry is tagged with its member's index, offset and compression.
 * gzip is read; the kernel's other formats (xz, zstd, bzip2, lzma, lz4, lzo) are recognised and
 * refused with a clear error.
 */
import { ChunkReader } from "@ocikit/fs";
import type { InitrdCompression } from "./compress.js";
import { InitrdError } from "./errors.js";
import { inflateGzipMember } from "./gzip-member.js";
import { type NewcEntry, readNewcArchives } from "./newc-reader.js";

/** An entry of an initrd: a newc member, plus where in the initrd file it came from. */
export interface InitrdEntry extends NewcEntry {
  /** 0-based index of the initrd member: one uncompressed archive, or one compressed member. */
  readonly member: number;
  /** Byte offset of that member in the initrd file. */
  readonly memberOffset: number;
  readonly compression: InitrdCompression;
}

// Magic numbers of the formats the kernel can decompress (lib/decompress.c), which we do not read.
const OTHER_FORMATS: readonly (readonly [string, number, number])[] = [
  ["bzip2", 0x42, 0x5a],
  ["lzma", 0x5d, 0x00],
  ["xz", 0xfd, 0x37],
  ["lzo", 0x89, 0x4c],
  ["lz4", 0x02, 0x21],
  ["zstd", 0x28, 0xb5],
  ["old gzip", 0x1f, 0x9e],
];

/**
 * Reads every entry of an initrd file: uncompressed and gzip members in any order, zero padding
 * between them.
 * @example
 * ```ts
 * for await (const e of readInitrd(createReadStream("x-initrd.img"))) console.log(e.member, e.compression, e.path);
 * ```
 * @throws {InitrdError} INITRD_UNSUPPORTED_COMPRESSION, INITRD_BAD_GZIP, INITRD_BAD_MAGIC,
 *   INITRD_BAD_PADDING, INITRD_TRUNCATED and the other errors of `readNewc`
 */
export async function* readInitrd(chunks: AsyncIterable<Uint8Array>): AsyncIterable<InitrdEntry> {
  const reader = new ChunkReader(chunks);
  try {
    for (let member = 0; ; member++) {
      await reader.skipZeros();
      const magic = await reader.peek(2);
      if (magic.length === 0) return;
      const memberOffset = reader.offset;
      if (magic[0] === 0x30) {
        // The kernel takes a "0" as the start of a cpio archive only on a 4-byte boundary.
        if (memberOffset % 4 !== 0) {
          throw new InitrdError(
            "INITRD_BAD_PADDING",
            `offset ${memberOffset}: an uncompressed cpio archive starts off a 4-byte boundary; the kernel refuses it (pad the member before it with zeros)`,
            { offset: memberOffset },
          );
        }
        const tag = { member, memberOffset, compression: "none" } as const;
        for await (const entry of readNewcArchives(reader, { single: true })) yield { ...entry, ...tag };
      } else if (magic[0] === 0x1f && magic[1] === 0x8b) {
        const tag = { member, memberOffset, compression: "gzip" } as const;
        const inner = new ChunkReader(inflateGzipMember(reader, memberOffset));
        try {
          for await (const entry of readNewcArchives(inner, { single: false })) yield { ...entry, ...tag };
        } finally {
          await inner.close();
        }
      } else throw unknownMember(magic, memberOffset);
    }
  } finally {
    await reader.close();
  }
}

function unknownMember(magic: Uint8Array, offset: number): InitrdError {
  const format = OTHER_FORMATS.find(([, a, b]) => magic[0] === a && magic[1] === b)?.[0];
  if (format) {
    return new InitrdError(
      "INITRD_UNSUPPORTED_COMPRESSION",
      `offset ${offset}: a ${format}-compressed member; this reader handles gzip and uncompressed cpio only`,
      { offset },
    );
  }
  const shown = Array.from(magic, (b) => b.toString(16).padStart(2, "0")).join(" ");
  return new InitrdError(
    "INITRD_BAD_MAGIC",
    `offset ${offset}: bytes ${shown} start neither a cpio archive nor a compressed member; expected 070701 or gzip (1f 8b)`,
    { offset },
  );
}
