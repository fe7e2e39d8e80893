/**
 * From a raw tar header plus the extensions that preceded it (PAX records, GNU `L`/`K` long names) to
 * an `FsHeader`. Precedence follows Go's archive/tar, which LinuxKit reads layers with: PAX records
 * replace header fields (an empty value keeps the header's), and GNU long names replace both. Names
 * are normalised inside the image (`../`, `/abs` cannot escape); hardlink targets too; symlink targets
 * are kept verbatim. Header-only types (links, devices, dirs, fifos) have no body whatever their
 * size field says (as in Go). Sparse files are refused: their stored bytes are not the file's bytes.
 */
import { type FsEntryType, type FsHeader, normalizeEntryPath } from "@ocikit/fs";
import { OciError } from "./errors.js";
import type { RawTarHeader } from "./tar-header.js";
import { XATTR_PREFIX } from "./tar-pax.js";

/** Extensions that apply to the next real entry. */
export interface TarExtensions {
  /** Global (`g`) records merged with the entry's own (`x`) records, the latter winning. */
  readonly pax: Readonly<Record<string, string>>;
  readonly longName?: string;
  readonly longLink?: string;
}

/** A resolved entry header and how many body bytes follow it in the archive. */
export interface ResolvedTarHeader {
  readonly header: FsHeader;
  readonly bodySize: number;
}

const TYPES: Readonly<Record<string, FsEntryType>> = {
  "0": "file",
  "\0": "file",
  "7": "file", // contiguous file: a regular file to everyone but a few old Unixes
  "1": "hardlink",
  "2": "symlink",
  "3": "char",
  "4": "block",
  "5": "dir",
  "6": "fifo",
};

const KNOWN_UNSUPPORTED: Readonly<Record<string, string>> = {
  S: "GNU sparse file",
  D: "GNU incremental dump directory",
  M: "GNU multi-volume continuation",
  N: "GNU old-style long name",
  V: "GNU volume label",
};

function describeType(typeflag: string): string {
  const known = KNOWN_UNSUPPORTED[typeflag];
  const printable = /^[\x21-\x7e]$/.test(typeflag)
    ? `'${typeflag}'`
    : `0x${typeflag.charCodeAt(0).toString(16)}`;
  return known ? `${printable} (${known})` : printable;
}

/**
 * Applies `extensions` to `raw` and maps it to an `FsHeader`. `where` names the layer and offset.
 * @throws {OciError} OCI_BAD_LAYER for an unsupported entry type, a sparse file, a malformed PAX
 *   number, a negative id/size/mode, a non-directory at the image root, a link without a target
 */
export function resolveTarHeader(
  raw: RawTarHeader,
  extensions: TarExtensions,
  where: string,
): ResolvedTarHeader {
  const records: Record<string, string> = { ...extensions.pax };
  const take = (key: string): string | undefined => {
    const value = records[key];
    delete records[key];
    return value === "" ? undefined : value;
  };
  const paxPath = take("path");
  const paxLink = take("linkpath");
  const name = extensions.longName ?? paxPath ?? raw.name;
  const linkname = extensions.longLink ?? paxLink ?? raw.linkname;
  const at = `${where}: "${name}"`;
  const bad = (why: string) => new OciError("OCI_BAD_LAYER", `${at}: ${why}`);

  const integer = (key: string, fallback: number): number => {
    const value = take(key);
    if (value === undefined) return fallback;
    if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(Number(value))) {
      throw bad(`PAX record ${key}=${JSON.stringify(value)} is not a non-negative integer`);
    }
    return Number(value);
  };
  const size = integer("size", raw.size);
  const uid = integer("uid", raw.uid);
  const gid = integer("gid", raw.gid);
  const paxMtime = take("mtime");
  if (paxMtime !== undefined && !/^-?[0-9]+(\.[0-9]+)?$/.test(paxMtime)) {
    throw bad(`PAX record mtime=${JSON.stringify(paxMtime)} is not a decimal number of seconds`);
  }
  const mtime = paxMtime === undefined ? raw.mtime : Number(paxMtime);
  const uname = take("uname") ?? raw.uname;
  const gname = take("gname") ?? raw.gname;
  for (const [field, value] of [
    ["size", size],
    ["uid", uid],
    ["gid", gid],
    ["mode", raw.mode],
    ["devmajor", raw.devMajor],
    ["devminor", raw.devMinor],
  ] as const) {
    if (value < 0) throw bad(`negative ${field} ${value}`);
  }

  const xattrs: Record<string, string> = {};
  for (const key of Object.keys(records)) {
    if (key.startsWith("GNU.sparse.")) {
      throw bad(`GNU sparse file (PAX record ${key}) is not supported; repack the layer without --sparse`);
    }
    if (key.startsWith(XATTR_PREFIX)) {
      xattrs[key.slice(XATTR_PREFIX.length)] = records[key] ?? "";
      delete records[key];
    }
  }

  let type = TYPES[raw.typeflag];
  if (type === undefined) throw bad(`unsupported entry type ${describeType(raw.typeflag)}`);
  // v7 archives mark directories only by a trailing slash on an "old regular file" (Go does the same).
  if (raw.typeflag === "\0" && name.endsWith("/")) type = "dir";
  const path = normalizeEntryPath(name);
  if (path === "." && type !== "dir") throw bad(`a ${type} cannot be the image root`);
  if (type === "hardlink" && normalizeEntryPath(linkname) === ".") {
    throw bad(`hardlink without a target (linkname ${JSON.stringify(linkname)})`);
  }
  if (type === "symlink" && linkname === "") throw bad("symlink without a target");

  const isFile = type === "file";
  const isDevice = type === "char" || type === "block";
  const header: FsHeader = {
    path,
    type,
    mode: raw.mode & 0o7777,
    uid,
    gid,
    mtime,
    size: isFile ? size : 0,
    ...(type === "hardlink" ? { linkTarget: normalizeEntryPath(linkname) } : {}),
    ...(type === "symlink" ? { linkTarget: linkname } : {}),
    ...(isDevice ? { devMajor: raw.devMajor, devMinor: raw.devMinor } : {}),
    ...(uname !== "" ? { uname } : {}),
    ...(gname !== "" ? { gname } : {}),
    ...(Object.keys(xattrs).length > 0 ? { xattrs } : {}),
    ...(Object.keys(records).length > 0 ? { pax: records } : {}),
  };
  return { header, bodySize: isFile ? size : 0 };
}
