/**
 * A streaming, reproducible tar writer: `writeTar` turns `FsEntry`s into a POSIX pax archive — ustar
 * headers (IEEE 1003.1-2008, "ustar Interchange Format"), each preceded by a PAX extended header
 * only when a value does not fit ustar (long or non-ASCII names and link names, long or non-ASCII
 * owner names, ids ≥ 2^21, sizes ≥ 8 GiB, negative, huge or fractional mtimes, xattrs, the entry's
 * own PAX records). Same entries in, same bytes out: records are sorted, extended headers carry fixed
 * metadata, nothing depends on the clock or the host. A body whose length is not the declared size
 * stops the archive with an error rather than writing a corrupt one.
 *
 * The archive ends with two zero blocks and is not padded further: it is a multiple of 512 bytes, as
 * Go's archive/tar writes (LinuxKit's own tars and go-containerregistry layers look like this), not
 * of GNU tar's 10240-byte record. GNU tar reads such archives, from files and pipes, without a
 * warning (checked in tar-writer.oracle.test.ts); the 9 KiB of padding would buy nothing.
 */
import { type FsEntry, type FsHeader, normalizeEntryPath, OutputCoalescer } from "@ocikit/fs";
import { OciError } from "./errors.js";
import { BLOCK_SIZE, encodeTarHeader, FIELD_WIDTH, maxOctal, type TarHeaderFields } from "./tar-header.js";
import { encodePaxRecords, isByteString, isPaxKey, XATTR_PREFIX } from "./tar-pax.js";

/** Options of `writeTar`. */
export interface WriteTarOptions {
  /** Archive format; only POSIX pax (ustar plus PAX extended headers where needed). Default: "pax". */
  readonly format?: "pax";
}

/** Defaults of `WriteTarOptions`. */
export const WRITE_TAR_DEFAULTS = { format: "pax" } as const satisfies WriteTarOptions;

const TYPEFLAGS: Readonly<Record<FsHeader["type"], string>> = {
  file: "0",
  hardlink: "1",
  symlink: "2",
  char: "3",
  block: "4",
  dir: "5",
  fifo: "6",
};

// Records the writer derives from the entry's own fields; the same keys in `entry.pax` are ignored.
const OWN_KEYS = new Set(["path", "linkpath", "size", "uid", "gid", "uname", "gname", "mtime"]);
const isOwnKey = (key: string) =>
  OWN_KEYS.has(key) || key.startsWith(XATTR_PREFIX) || key.startsWith("GNU.sparse.");

// Printable ASCII goes in header fields; anything else (UTF-8, control characters) in PAX records.
const isPlainAscii = (text: string) => !/[^ -~]/.test(text);

function badEntry(path: string, why: string): OciError {
  return new OciError("OCI_BAD_ENTRY", `tar entry "${path}": ${why}`);
}

/** Checks what ustar and PAX cannot represent, or what breaks the FsEntry contract. */
function validate(entry: FsHeader): void {
  const { path } = entry;
  if (path.includes("\0") || normalizeEntryPath(path) !== path)
    throw badEntry(path, "path is not normalised");
  if (TYPEFLAGS[entry.type] === undefined) throw badEntry(path, `unknown type ${String(entry.type)}`);
  if (path === "." && entry.type !== "dir") throw badEntry(path, `a ${entry.type} cannot be the root`);
  const isInt = (n: number, max = Number.MAX_SAFE_INTEGER) => Number.isSafeInteger(n) && n >= 0 && n <= max;
  if (!isInt(entry.mode, 0o7777)) throw badEntry(path, `mode ${entry.mode} is not within 0..0o7777`);
  if (!isInt(entry.uid) || !isInt(entry.gid)) throw badEntry(path, `uid/gid ${entry.uid}:${entry.gid}`);
  if (!isInt(entry.size)) throw badEntry(path, `size ${entry.size}`);
  if (entry.type !== "file" && entry.size !== 0)
    throw badEntry(path, `a ${entry.type} has size ${entry.size}`);
  if (!Number.isFinite(entry.mtime) || Math.abs(entry.mtime) > Number.MAX_SAFE_INTEGER) {
    throw badEntry(path, `mtime ${entry.mtime}`);
  }
  const isLink = entry.type === "symlink" || entry.type === "hardlink";
  if (
    isLink &&
    (entry.linkTarget === undefined || entry.linkTarget === "" || entry.linkTarget.includes("\0"))
  ) {
    throw badEntry(path, `${entry.type} needs a link target without NUL`);
  }
  if (entry.type === "hardlink" && normalizeEntryPath(entry.linkTarget ?? "") !== entry.linkTarget) {
    throw badEntry(path, `hardlink target "${entry.linkTarget}" is not normalised`);
  }
  const devMax = maxOctal(FIELD_WIDTH.dev);
  if (!isInt(entry.devMajor ?? 0, devMax) || !isInt(entry.devMinor ?? 0, devMax)) {
    throw badEntry(path, `device ${entry.devMajor},${entry.devMinor} does not fit ustar`);
  }
  for (const [name, value] of Object.entries(entry.xattrs ?? {})) {
    if (!isPaxKey(XATTR_PREFIX + name) || name === "")
      throw badEntry(path, `xattr name ${JSON.stringify(name)}`);
    if (!isByteString(value)) throw badEntry(path, `xattr ${name}: value is not a byte string`);
  }
  for (const key of Object.keys(entry.pax ?? {})) {
    if (!isPaxKey(key)) throw badEntry(path, `PAX key ${JSON.stringify(key)}`);
  }
}

/** An ASCII stand-in for a header field whose real value travels in a PAX record. */
function fallback(text: string, width: number): string {
  return text.replace(/[^\x20-\x7e]/g, "_").slice(0, width);
}

/** Splits a long ASCII name into ustar's prefix and name fields, as Go's splitUSTARPath does. */
function splitUstar(name: string): { prefix: string; name: string } | undefined {
  if (!isPlainAscii(name) || name.length <= FIELD_WIDTH.name) return undefined;
  let length = Math.min(name.length, FIELD_WIDTH.prefix + 1);
  if (length === name.length && name.endsWith("/")) length--;
  const slash = name.lastIndexOf("/", length - 1);
  const rest = name.length - slash - 1;
  if (slash <= 0 || rest === 0 || rest > FIELD_WIDTH.name || slash > FIELD_WIDTH.prefix) return undefined;
  return { prefix: name.slice(0, slash), name: name.slice(slash + 1) };
}

/** A PAX mtime: plain decimal seconds, never exponent notation. */
function formatMtime(mtime: number): string {
  const text = String(mtime);
  return text.includes("e") ? mtime.toFixed(9).replace(/\.?0+$/, "") : text;
}

/** The ustar fields of an entry and the PAX records it needs beside them. */
function planHeader(entry: FsHeader): { fields: TarHeaderFields; pax: [string, string][] } {
  const records = new Map<string, string>();
  const tarName = entry.type === "dir" ? (entry.path === "." ? "./" : `${entry.path}/`) : entry.path;
  let prefix = "";
  let name = tarName;
  if (!isPlainAscii(tarName) || tarName.length > FIELD_WIDTH.name) {
    const split = splitUstar(tarName);
    if (split) ({ prefix, name } = split);
    else {
      records.set("path", tarName);
      name = fallback(tarName, FIELD_WIDTH.name);
    }
  }
  const fitsText = (value: string, width: number) => isPlainAscii(value) && value.length <= width;
  const text = (key: string, value: string, width: number): string => {
    if (fitsText(value, width)) return value;
    records.set(key, value);
    return fallback(value, width);
  };
  const number = (key: string, value: number, width: number): number => {
    if (value <= maxOctal(width)) return value;
    records.set(key, String(value));
    return 0;
  };
  const isLink = entry.type === "symlink" || entry.type === "hardlink";
  const isDevice = entry.type === "char" || entry.type === "block";
  const seconds = Math.floor(entry.mtime);
  const mtimeFits = seconds === entry.mtime && seconds >= 0 && seconds <= maxOctal(FIELD_WIDTH.mtime);
  if (!mtimeFits) records.set("mtime", formatMtime(entry.mtime));
  for (const [attr, value] of Object.entries(entry.xattrs ?? {})) records.set(XATTR_PREFIX + attr, value);
  for (const [key, value] of Object.entries(entry.pax ?? {})) if (!isOwnKey(key)) records.set(key, value);
  const fields: TarHeaderFields = {
    name,
    prefix,
    mode: entry.mode,
    uid: number("uid", entry.uid, FIELD_WIDTH.id),
    gid: number("gid", entry.gid, FIELD_WIDTH.id),
    size: number("size", entry.size, FIELD_WIDTH.size),
    mtime: mtimeFits ? seconds : 0,
    typeflag: TYPEFLAGS[entry.type],
    linkname: isLink ? text("linkpath", entry.linkTarget ?? "", FIELD_WIDTH.linkname) : "",
    uname: text("uname", entry.uname ?? "", FIELD_WIDTH.uname),
    gname: text("gname", entry.gname ?? "", FIELD_WIDTH.gname),
    devMajor: isDevice ? (entry.devMajor ?? 0) : 0,
    devMinor: isDevice ? (entry.devMinor ?? 0) : 0,
  };
  const pax = [...records].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { fields, pax };
}

function padding(size: number): Uint8Array {
  return new Uint8Array((BLOCK_SIZE - (size % BLOCK_SIZE)) % BLOCK_SIZE);
}

/** The header blocks of one entry: a PAX extended header when needed, then the ustar header. */
function encodeHeaders(entry: FsHeader): Uint8Array[] {
  validate(entry);
  const { fields, pax } = planHeader(entry);
  const blocks: Uint8Array[] = [];
  if (pax.length > 0) {
    const records = encodePaxRecords(pax);
    blocks.push(
      encodeTarHeader({
        ...fields,
        name: fallback(`PaxHeaders/${fields.name}`, FIELD_WIDTH.name),
        prefix: "",
        mode: 0o644,
        uid: 0,
        gid: 0,
        size: records.length,
        mtime: 0,
        typeflag: "x",
        linkname: "",
        uname: "",
        gname: "",
        devMajor: 0,
        devMinor: 0,
      }),
      records,
      padding(records.length),
    );
  }
  blocks.push(encodeTarHeader(fields));
  return blocks;
}

/** Streams a file's body, failing as soon as it is longer than declared, or at its end if shorter. */
async function* checkedBody(entry: FsEntry): AsyncIterable<Uint8Array> {
  let written = 0;
  for await (const chunk of entry.body()) {
    written += chunk.length;
    if (written > entry.size) {
      throw new OciError(
        "OCI_ENTRY_SIZE_MISMATCH",
        `tar entry "${entry.path}": body is longer than its declared ${entry.size} bytes; did the file change while it was read?`,
      );
    }
    if (chunk.length > 0) yield chunk;
  }
  if (written !== entry.size) {
    throw new OciError(
      "OCI_ENTRY_SIZE_MISMATCH",
      `tar entry "${entry.path}": body has ${written} bytes, its header declares ${entry.size}; did the file change while it was read?`,
    );
  }
}

/**
 * Writes entries as a reproducible POSIX pax tar stream (see the module comment).
 * @example
 * ```ts
 * await writeFile("rootfs.tar", Readable.from(writeTar(flattenImage(image))));
 * ```
 * @throws {OciError} OCI_BAD_ENTRY for an entry tar cannot represent (un-normalised path, mode above
 *   0o7777, a device number ≥ 2^21, …); OCI_ENTRY_SIZE_MISMATCH when a body's length is not its size
 */
export async function* writeTar(
  entries: AsyncIterable<FsEntry>,
  options: WriteTarOptions = {},
): AsyncIterable<Uint8Array> {
  const { format } = { ...WRITE_TAR_DEFAULTS, ...options };
  if (format !== "pax")
    throw new OciError("OCI_BAD_ENTRY", `writeTar: unknown format "${format}"; use "pax"`);
  // Headers, PAX records and padding are 512-byte pieces: gathered into 64 KiB chunks, a file
  // downstream sees a few large writes instead of tens of thousands of small ones.
  const out = new OutputCoalescer(TAR_OUTPUT_CHUNK_SIZE);
  for await (const entry of entries) {
    for (const block of encodeHeaders(entry)) yield* out.add(block);
    if (entry.type !== "file") continue;
    for await (const chunk of checkedBody(entry)) yield* out.add(chunk);
    const pad = padding(entry.size);
    if (pad.length > 0) yield* out.zeros(pad.length);
  }
  yield* out.zeros(2 * BLOCK_SIZE);
  yield* out.flush();
}

/** The size of the chunks writeTar emits (bodies at least this long pass through uncopied). */
const TAR_OUTPUT_CHUNK_SIZE = 64 * 1024;
