/**
 * `FsEntry`: one filesystem object as every ocikit reader produces and every writer consumes it — a
 * tar-like header plus a way to read a regular file's bytes (architecture.md, "The shapes that flow
 * between packages"). Layers, initrds, tars and ISOs all travel as `AsyncIterable<FsEntry>`; nothing
 * is ever extracted to the host filesystem, so ownership, devices and setuid bits survive.
 */

/** The kinds of filesystem objects ocikit carries (tar's typeflags, cpio's S_IFMT). */
export type FsEntryType = "file" | "dir" | "symlink" | "hardlink" | "char" | "block" | "fifo";

/** Everything about an entry except its bytes. Plain data. */
export interface FsHeader {
  /** Normalised path inside the image: relative, `/`-separated, no `.`/`..` segments; `.` is the root. */
  readonly path: string;
  readonly type: FsEntryType;
  /** Permission bits including setuid, setgid and sticky (at most 0o7777); no file-type bits. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Modification time in seconds since the epoch (may have a fraction, from PAX records). */
  readonly mtime: number;
  /** Size of the body in bytes: the file's length for `file`, 0 for every other type. */
  readonly size: number;
  /** Symlink target as stored (kept as data, never followed), or a hardlink's normalised target path. */
  readonly linkTarget?: string;
  readonly devMajor?: number;
  readonly devMinor?: number;
  /** Owner names, when the source had them. */
  readonly uname?: string;
  readonly gname?: string;
  /**
   * Extended attributes (`SCHILY.xattr.*` PAX records), name → value. Values are byte strings (one
   * character per byte, codes 0–255), so binary attributes such as `security.capability` survive.
   */
  readonly xattrs?: Readonly<Record<string, string>>;
  /** Other PAX records the source carried, kept for writers that understand them. */
  readonly pax?: Readonly<Record<string, string>>;
}

/**
 * An entry with its bytes. `body()` yields the file's `size` bytes (nothing for other types); it may
 * be called at most once, and must be consumed (or abandoned) before the next entry is requested
 * from the same stream.
 */
export interface FsEntry extends FsHeader {
  body(): AsyncIterable<Uint8Array>;
}

/** An empty body, for entries that are not regular files. */
export async function* emptyBody(): AsyncIterable<Uint8Array> {}

/** An entry whose bytes are in memory (generated files: config.json, etc/hosts, …). */
export function entryFromBytes(header: Omit<FsHeader, "size">, bytes: Uint8Array): FsEntry {
  return {
    ...header,
    size: bytes.length,
    async *body() {
      if (bytes.length > 0) yield bytes;
    },
  };
}

/** The header of an entry, without its body (for plans and listings). */
export function headerOf(entry: FsEntry): FsHeader {
  const { body: _body, ...header } = entry;
  return header;
}
