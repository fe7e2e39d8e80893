/**
 * A small language for test layers: `f`, `d`, `s`, `h` make raw tar members (any name, hostile ones
 * included), `layer` turns them into a `FlattenLayer`, `flatListing` flattens and lists the result
 * as `path type content-or-target` lines.
 */
import { sha256Digest } from "../digest.js";
import { type FlattenLayer, type FlattenOptions, flattenLayers } from "../flatten.js";
import { archive, chunked, member, readAll } from "./tar-fixtures.js";

/** A regular file (also how whiteouts are written). */
export const f = (name: string, body = "", mode = 0o644) => member({ name, mode }, body);
/** A directory. */
export const d = (name: string, mode = 0o755) => member({ name: `${name}/`, typeflag: "5", mode });
/** A symlink. */
export const s = (name: string, target: string) =>
  member({ name, typeflag: "2", linkname: target, mode: 0o777 });
/** A hardlink. */
export const h = (name: string, target: string) => member({ name, typeflag: "1", linkname: target });

/** A layer of members, read back in chunks of `chunkSize`; counts how often it is opened. */
export function layer(...members: Buffer[]): FlattenLayer & { opened: number; bytes: Buffer } {
  const bytes = archive(...members);
  const result = {
    digest: sha256Digest(bytes),
    bytes,
    opened: 0,
    open: () => {
      result.opened++;
      return chunked(bytes, 1000);
    },
  };
  return result;
}

/** Flattens and lists: `path file body`, `path dir 0755`, `path symlink -> t`, `path hardlink -> t`. */
export async function flatListing(
  layers: readonly FlattenLayer[],
  options?: FlattenOptions,
): Promise<string[]> {
  const entries = await readAll(flattenLayers(layers, options));
  return entries.map(({ header, body }) => {
    if (header.type === "file") return `${header.path} file ${body.toString()}`;
    if (header.type === "dir") return `${header.path} dir ${header.mode.toString(8).padStart(4, "0")}`;
    if (header.type === "symlink" || header.type === "hardlink")
      return `${header.path} ${header.type} -> ${header.linkTarget}`;
    return `${header.path} ${header.type}`;
  });
}
