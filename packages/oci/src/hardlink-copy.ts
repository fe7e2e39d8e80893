/**
 * Copying a hardlink's target. In an overlay of layers a hardlink is one inode under two names, so
 * when an upper layer deletes or replaces the name a lower hardlink points to, the other name keeps
 * the old bytes (Debian's `perl` and `perl5.36`, one of them removed later). A flattened stream can
 * only say "link to path", so such a link becomes a copy of the file it shared: the target is found
 * again by re-reading its layer (and those below, as Docker's layer application resolves a link to a
 * file of a lower layer), streaming, never buffered. go-containerregistry's `mutate.Extract` emits a
 * dangling link instead (docs/compatibility.md).
 */
import { emptyBody, type FsEntry } from "@ocikit/fs";
import type { FlattenLayer, HeldHardlink } from "./flatten.js";
import { readingToTheEndOnBadLayer } from "./layer-decompress.js";
import { readTar } from "./tar-reader.js";

// A chain of links to links is followed this far (tar writers never make one; a hostile layer might).
const MAX_HOPS = 8;

type ScanResult =
  | { readonly kind: "copied" }
  | { readonly kind: "missing" }
  | { readonly kind: "link"; readonly target: string; readonly from: number };

/**
 * Looks for `target` in layers `from`…0, the first layer that has it deciding; copies it under `path`
 * unless it is a hardlink (to follow) or a directory. Each layer is read to its end, found or not, so
 * that its digest is verified again before the copy is trusted.
 */
async function* scan(
  layers: readonly FlattenLayer[],
  target: string,
  from: number,
  path: string,
  sourceOf: (layer: FlattenLayer) => string,
): AsyncGenerator<FsEntry, ScanResult, undefined> {
  for (let index = from; index >= 0; index--) {
    const layer = layers[index];
    if (layer === undefined) continue;
    let result: ScanResult | undefined;
    for await (const entry of readingToTheEndOnBadLayer(layer.open(), (chunks) =>
      readTar(chunks, { source: sourceOf(layer) }),
    )) {
      if (result !== undefined || entry.path !== target) continue;
      if (entry.type === "hardlink") result = { kind: "link", target: entry.linkTarget ?? "", from: index };
      else if (entry.type === "dir") result = { kind: "missing" };
      else {
        yield { ...entry, path };
        result = { kind: "copied" };
      }
    }
    if (result !== undefined) return result;
  }
  return { kind: "missing" };
}

/**
 * Yields one entry: the hardlink's target file (or symlink, device, fifo) under the link's path, or
 * the hardlink as it is when no layer at or below its own has the target. Whiteouts between the
 * link's layer and the target's are not consulted: Docker could not have applied such a layer.
 * @throws {OciError} OCI_BAD_LAYER from re-reading a layer
 */
export async function* materializeHardlink(
  layers: readonly FlattenLayer[],
  link: HeldHardlink,
  sourceOf: (layer: FlattenLayer) => string,
): AsyncIterable<FsEntry> {
  let target = link.header.linkTarget ?? "";
  let from = link.layer;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const result = yield* scan(layers, target, from, link.header.path, sourceOf);
    if (result.kind === "copied") return;
    if (result.kind === "missing") break;
    ({ target, from } = result);
  }
  yield { ...link.header, body: emptyBody };
}
