/**
 * Flattening an image's layers into one stream of `FsEntry`s, the tree a container would see (OCI
 * image spec, layer.md "Applying Changesets"), without extracting anything. Like go-containerregistry's
 * `mutate.Extract`, which LinuxKit uses (linuxkit-reference.md §3.4), it reads the top layer first and
 * emits each path once, the first occurrence winning; so bodies stream straight from the layer, never
 * buffered, and memory holds one header per path. Where Extract deviates from the spec, we follow the
 * spec: opaque directories (`.wh..wh..opq`) are honoured, a whiteout hides only lower layers (not
 * entries of its own layer), and a hardlink whose target an upper layer removed or replaced becomes a
 * copy of the file it linked to rather than a dangling link (docs/compatibility.md).
 *
 * Hardlinks are emitted after their targets: one whose target comes from a lower layer (or later in
 * its own) is held back, as a header, to the end of the stream. One whose target exists in no layer
 * is passed through as it is (Extract does the same), for the consumer to report.
 */
import { emptyBody, type FsEntry, type FsHeader, headerOf, parentPath } from "@ocikit/fs";
import { materializeHardlink } from "./hardlink-copy.js";
import type { Image } from "./image.js";
import { readingToTheEndOnBadLayer } from "./layer-decompress.js";
import { readTar } from "./tar-reader.js";
import { classifyWhiteout } from "./whiteout.js";

/** One layer to flatten: its digest (for messages) and a way to read its uncompressed tar. */
export interface FlattenLayer {
  readonly digest: string;
  /** The layer's uncompressed tar stream; may be called again to copy a hardlink's target. */
  open(): AsyncIterable<Uint8Array>;
}

/** Options of `flattenLayers` and `flattenImage`. */
export interface FlattenOptions {
  /** The image reference, to name it in error messages (`flattenImage` sets it). */
  readonly ref?: string;
  /** Stops the flattening between two entries. */
  readonly signal?: AbortSignal;
}

/** Which layer a path was emitted from, and whether it was a directory. */
interface Claim {
  readonly layer: number;
  readonly isDir: boolean;
}

/** A hardlink held back to the end of the stream. */
export interface HeldHardlink {
  readonly header: FsHeader;
  readonly layer: number;
  /** `link`: emit as it is; `copy`: its target was removed or replaced above, copy the target's file. */
  readonly action: "link" | "copy";
}

/** What upper layers decided: emitted paths, removed trees, opaque directories. */
class UnionState {
  readonly claimed = new Map<string, Claim>();
  readonly removed = new Set<string>();
  readonly opaque = new Set<string>();

  /** Whether a path of the layer being read is hidden by a removal, an opaque dir or a non-dir ancestor. */
  isHidden(path: string): boolean {
    if (this.removed.has(path)) return true;
    for (let dir = path; dir !== "."; ) {
      dir = parentPath(dir);
      const claim = this.claimed.get(dir);
      if (this.removed.has(dir) || this.opaque.has(dir) || (claim !== undefined && !claim.isDir)) return true;
    }
    return false;
  }

  /** Applies a layer's whiteouts once the layer is read, so that they only hide lower layers. */
  applyWhiteouts(targets: readonly string[], opaqueDirs: readonly string[]): void {
    for (const target of targets) {
      const claim = this.claimed.get(target);
      if (claim === undefined) this.removed.add(target);
      // Re-created (here or above) as a directory: what lower layers had below it is gone.
      else if (claim.isDir) this.opaque.add(target);
    }
    for (const dir of opaqueDirs) this.opaque.add(dir);
  }
}

/** Decides what to do with a hardlink met in `layer`: emit now, or hold back (and how). */
function placeHardlink(state: UnionState, header: FsHeader, layer: number, heldPaths: ReadonlySet<string>) {
  const target = header.linkTarget ?? "";
  const claim = state.claimed.get(target);
  if (claim !== undefined && claim.layer === layer && !heldPaths.has(target)) return "now" as const;
  if ((claim !== undefined && claim.layer > layer) || state.isHidden(target)) return "copy" as const;
  return "link" as const;
}

/**
 * Flattens layers (base first, as in a manifest) into the entries of the resulting tree, top layer
 * first (see the module comment). Entries are yielded as the layers stream; consume or abandon each
 * body before asking for the next entry.
 * @example
 * ```ts
 * const layers = [{ digest, open: () => createReadStream("layer.tar") }];
 * for await (const entry of flattenLayers(layers)) console.log(entry.path);
 * ```
 * @throws {OciError} OCI_BAD_LAYER (naming the layer digest and entry) from `readTar`; any error of a
 *   layer's stream (digest mismatch, corrupt compression) as it is
 */
export async function* flattenLayers(
  layers: readonly FlattenLayer[],
  options: FlattenOptions = {},
): AsyncIterable<FsEntry> {
  const { ref, signal } = options;
  const sourceOf = (layer: FlattenLayer) => `${ref === undefined ? "" : `${ref}: `}layer ${layer.digest}`;
  const state = new UnionState();
  const held: HeldHardlink[] = [];
  const heldPaths = new Set<string>();
  for (let index = layers.length - 1; index >= 0; index--) {
    const layer = layers[index];
    if (layer === undefined) continue;
    const whiteouts: string[] = [];
    const opaqueDirs: string[] = [];
    for await (const entry of readingToTheEndOnBadLayer(layer.open(), (chunks) =>
      readTar(chunks, { source: sourceOf(layer) }),
    )) {
      signal?.throwIfAborted();
      const meaning = classifyWhiteout(entry.path);
      if (meaning.kind === "whiteout") whiteouts.push(meaning.whiteoutTarget);
      if (meaning.kind === "opaque") opaqueDirs.push(meaning.opaqueDir);
      if (meaning.kind !== "entry" || state.claimed.has(entry.path) || state.isHidden(entry.path)) continue;
      state.claimed.set(entry.path, { layer: index, isDir: entry.type === "dir" });
      if (entry.type === "hardlink") {
        const action = placeHardlink(state, entry, index, heldPaths);
        if (action !== "now") {
          held.push({ header: headerOf(entry), layer: index, action });
          heldPaths.add(entry.path);
          continue;
        }
      }
      yield entry;
    }
    state.applyWhiteouts(whiteouts, opaqueDirs);
  }
  for (const link of held) {
    signal?.throwIfAborted();
    if (link.action === "copy") yield* materializeHardlink(layers, link, sourceOf);
    else yield { ...link.header, body: emptyBody };
  }
}

/**
 * Flattens an image's layers (`image.layers()`, each read through `layer.uncompressed()`).
 * @example
 * ```ts
 * for await (const entry of flattenImage(image)) listing.push(`${entry.type} ${entry.path}`);
 * ```
 * @throws {OciError} as `flattenLayers`, and what `image.layers()` and the layer streams throw
 *   (OCI_DIGEST_MISMATCH, OCI_SIZE_MISMATCH, OCI_BAD_LAYER, OCI_UNSUPPORTED_MEDIA_TYPE, …)
 */
export async function* flattenImage(image: Image, options: FlattenOptions = {}): AsyncIterable<FsEntry> {
  const layers = await image.layers();
  yield* flattenLayers(
    layers.map((layer) => ({ digest: layer.descriptor.digest, open: () => layer.uncompressed() })),
    { ref: image.ref, ...options },
  );
}
