/**
 * Whiteout names (OCI image spec, layer.md "Whiteouts"): in a layer, `D/.wh.NAME` deletes `D/NAME`
 * (and everything below it) from the layers beneath, and `D/.wh..wh..opq` makes `D` opaque: nothing
 * below `D` in the layers beneath shows through. Other `.wh..wh.` names are AUFS bookkeeping
 * (`.wh..wh.plnk/…`, `.wh..wh.aufs`): like Docker, we neither emit nor apply them, nor what is below
 * a top-level one.
 */
import { baseName, joinEntryPath, parentPath } from "@ocikit/fs";

const PREFIX = ".wh.";
const META_PREFIX = ".wh..wh.";
const OPAQUE = ".wh..wh..opq";

/** What a normalised entry path means to the union of layers. */
export type WhiteoutKind =
  | { readonly kind: "entry" }
  | { readonly kind: "whiteout"; readonly whiteoutTarget: string }
  | { readonly kind: "opaque"; readonly opaqueDir: string }
  | { readonly kind: "meta" };

/** Classifies a normalised path: an ordinary entry, a whiteout, an opaque marker or AUFS metadata. */
export function classifyWhiteout(path: string): WhiteoutKind {
  // AUFS keeps hardlink bookkeeping in top-level `.wh..wh.plnk/`; Docker skips all of it.
  if (path.startsWith(META_PREFIX) && path !== OPAQUE) return { kind: "meta" };
  const name = baseName(path);
  if (!name.startsWith(PREFIX)) return { kind: "entry" };
  if (name === OPAQUE) return { kind: "opaque", opaqueDir: parentPath(path) };
  const target = name.slice(PREFIX.length);
  // `.wh.`, `.wh..` and `.wh...` would name the directory itself or its parent: nothing defines them,
  // and honouring them would let one name delete a whole tree, so they are ignored like AUFS files.
  if (name.startsWith(META_PREFIX) || target === "" || target === "." || target === "..")
    return { kind: "meta" };
  return { kind: "whiteout", whiteoutTarget: joinEntryPath(parentPath(path), target) };
}

/** Whether a normalised path is a whiteout, an opaque marker or AUFS metadata (never emitted). */
export function isWhiteout(path: string): boolean {
  return classifyWhiteout(path).kind !== "entry";
}
