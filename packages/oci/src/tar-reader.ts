/**
 * A streaming tar reader: `readTar` turns a tar byte stream (a layer, an archive) into `FsEntry`s,
 * reading ustar, GNU and PAX archives (POSIX pax "ustar Interchange Format" and "pax Extended
 * Header"; GNU tar manual "Basic Tar Format"). Written here rather than on node-tar's Parser, which
 * turns PAX mtimes into millisecond `Date`s, drops xattrs and unknown records, and reports bad
 * checksums as warnings from an EventEmitter; an async generator reads top to bottom and makes the
 * body contract plain.
 *
 * Contract (as Deno std's UntarStream): consume or abandon an entry's `body()` before asking for the
 * next entry; the reader skips what is left. It never reads ahead of the entry being read. After the
 * end-of-archive marker it reads the source to its end without interpreting it, so that a verifying
 * source (digest checked at the end of the blob) always gets to check. An archive that ends exactly
 * at a header boundary without the marker is accepted, as Go's archive/tar and GNU tar do.
 */
import { assert } from "@ocikit/errors";
import { ChunkReader, emptyBody, type FsEntry } from "@ocikit/fs";
import { OciError } from "./errors.js";
import { resolveTarHeader, type TarExtensions } from "./tar-entry-header.js";
import { BLOCK_SIZE, decodeTarHeader, isZeroBlock, type RawTarHeader } from "./tar-header.js";
import { mergeGlobals, parsePaxRecords } from "./tar-pax.js";

/** Options of `readTar`. */
export interface ReadTarOptions {
  /** Names the archive in error messages, e.g. `layer sha256:…` (the layer digest). */
  readonly source: string;
}

// Go's archive/tar refuses PAX and GNU long-name headers above 1 MiB; a hostile size is not buffered.
const MAX_EXTENSION_SIZE = 1 << 20;

const UTF8 = new TextDecoder("utf-8");

function padding(size: number): number {
  return (BLOCK_SIZE - (size % BLOCK_SIZE)) % BLOCK_SIZE;
}

function truncated(where: string, detail: string): OciError {
  return new OciError("OCI_BAD_LAYER", `${where}: ${detail}; the archive is truncated or corrupt`);
}

/** The body of the entry being read: streams its bytes once, then lets the reader skip the rest. */
class EntryBody {
  #state: "new" | "reading" | "done" = "new";
  #remaining: number;

  constructor(
    private readonly input: ChunkReader,
    private readonly size: number,
    private readonly where: string,
  ) {
    this.#remaining = size;
  }

  stream(): AsyncIterable<Uint8Array> {
    assert(this.#state === "new", `${this.where}: body() called twice or after the next entry was requested`);
    this.#state = "reading";
    return this.#chunks();
  }

  async *#chunks(): AsyncIterable<Uint8Array> {
    while (this.#remaining > 0) {
      assert(this.#state === "reading", `${this.where}: body read after the next entry was requested`);
      const chunk = await this.input.readUpTo(this.#remaining);
      if (chunk.length === 0) throw this.#short(this.#remaining);
      this.#remaining -= chunk.length;
      yield chunk;
    }
  }

  #short(missing: number): OciError {
    return truncated(this.where, `the archive ends ${missing} bytes short of the ${this.size}-byte body`);
  }

  /** Skips what the consumer did not read, and the padding to the next block. */
  async finish(): Promise<void> {
    this.#state = "done";
    const left = this.#remaining;
    const skipped = await this.input.skip(left);
    if (skipped < left) throw this.#short(left - skipped);
    const pad = padding(this.size);
    if ((await this.input.skip(pad)) < pad) throw truncated(this.where, "the archive ends inside padding");
  }
}

/** Reads the body of an extension header (PAX records, GNU long name) whole, within the size limit. */
async function readExtension(input: ChunkReader, raw: RawTarHeader, where: string): Promise<Uint8Array> {
  if (raw.size > MAX_EXTENSION_SIZE) {
    throw new OciError(
      "OCI_BAD_LAYER",
      `${where}: extended header of ${raw.size} bytes (type '${raw.typeflag}') exceeds ${MAX_EXTENSION_SIZE}`,
    );
  }
  const bytes = await input.readExact(raw.size);
  const pad = padding(raw.size);
  if (bytes.length < raw.size || (await input.skip(pad)) < pad) {
    throw truncated(where, "the archive ends inside an extended header");
  }
  return bytes;
}

function cString(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  return UTF8.decode(nul < 0 ? bytes : bytes.subarray(0, nul));
}

/** After the first zero block: a second one (or the end) closes the archive; anything else is an error. */
async function readEndMarker(input: ChunkReader, where: string): Promise<void> {
  const second = await input.readExact(BLOCK_SIZE);
  if (second.length > 0 && second.length < BLOCK_SIZE) throw truncated(where, "the end marker is cut short");
  if (second.length === BLOCK_SIZE && !isZeroBlock(second)) {
    // Go's archive/tar rejects this too; GNU tar stops at the first zero block with a warning.
    throw new OciError("OCI_BAD_LAYER", `${where}: a lone zero block is followed by more headers`);
  }
}

/**
 * Reads a tar stream as `FsEntry`s (see the module comment for the body contract).
 * @example
 * ```ts
 * for await (const entry of readTar(layer.uncompressed(), { source: `layer ${digest}` })) {
 *   if (entry.type === "file") for await (const chunk of entry.body()) hash.update(chunk);
 * }
 * ```
 * @throws {OciError} OCI_BAD_LAYER (naming `source` and the entry) on a truncated archive, a body
 *   shorter than its declared size, a bad checksum, a malformed header or PAX record, an unsupported
 *   entry type (sparse files, volume labels, …)
 */
export async function* readTar(
  chunks: AsyncIterable<Uint8Array>,
  options: ReadTarOptions,
): AsyncIterable<FsEntry> {
  const { source } = options;
  const input = new ChunkReader(chunks);
  let globals: Record<string, string> = {};
  let pending: { pax: Record<string, string>; longName?: string; longLink?: string } = { pax: {} };
  const hasPending = () =>
    Object.keys(pending.pax).length > 0 || pending.longName !== undefined || pending.longLink !== undefined;
  try {
    for (;;) {
      const where = `${source}: header at byte ${input.offset}`;
      const block = await input.readExact(BLOCK_SIZE);
      if (block.length === 0 && !hasPending()) break;
      if (block.length < BLOCK_SIZE) throw truncated(where, "the archive ends inside a header");
      if (isZeroBlock(block)) {
        if (hasPending()) throw truncated(where, "an extended header is followed by the end marker");
        await readEndMarker(input, where);
        await input.drain();
        break;
      }
      const raw = decodeTarHeader(block, where);
      if (raw.typeflag === "x" || raw.typeflag === "g") {
        const records = parsePaxRecords(await readExtension(input, raw, where), where);
        if (raw.typeflag === "g") globals = mergeGlobals(globals, records);
        else pending.pax = { ...pending.pax, ...records };
        continue;
      }
      if (raw.typeflag === "L" || raw.typeflag === "K") {
        const name = cString(await readExtension(input, raw, where));
        if (raw.typeflag === "L") pending.longName = name;
        else pending.longLink = name;
        continue;
      }
      const extensions: TarExtensions = { ...pending, pax: { ...globals, ...pending.pax } };
      pending = { pax: {} };
      const { header, bodySize } = resolveTarHeader(raw, extensions, `${source}`);
      const body = new EntryBody(input, bodySize, `${source}: "${header.path}"`);
      yield { ...header, body: header.type === "file" ? () => body.stream() : emptyBody };
      await body.finish();
    }
  } finally {
    await input.close();
  }
}
