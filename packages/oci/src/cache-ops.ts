/**
 * Whole-cache operations behind `ocikit cache ls|rm|clean`: listing named images, and removing
 * images with reference counting — a blob goes only when no remaining image reaches it (LinuxKit's
 * `cache rm` deletes shared blobs too, linuxkit-reference.md Appendix A.18).
 */
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { ensureDir } from "@ocikit/fs";
import type { Digest } from "./digest.js";
import { OciError } from "./errors.js";
import type { NamedDescriptor, OciLayoutStore } from "./layout-store.js";
import { parseManifest } from "./manifest.js";
import { formatPlatform } from "./platform.js";
import type { Descriptor } from "./types.js";

/** One line of `cache ls`. */
export interface CachedImageSummary {
  readonly name: string;
  readonly digest: Digest;
  readonly mediaType: string;
  /** Platforms whose manifests are in the cache (for an index), or the image's own. */
  readonly platforms: readonly string[];
}

/** Lists the named images of a cache, sorted by name. */
export async function listCachedImages(store: OciLayoutStore): Promise<CachedImageSummary[]> {
  const out: CachedImageSummary[] = [];
  for (const { name, descriptor } of await store.names()) {
    const platforms: string[] = [];
    if (descriptor.platform) platforms.push(formatPlatform(descriptor.platform));
    else if (await store.hasBlob(descriptor)) {
      try {
        const doc = parseManifest(await store.readBlobBytes(descriptor), descriptor.mediaType, name);
        if (doc.kind === "index") {
          for (const m of doc.index.manifests)
            if (m.platform && m.platform.os !== "unknown" && (await store.hasBlob(m)))
              platforms.push(formatPlatform(m.platform));
        }
      } catch (error) {
        if (!(error instanceof OciError)) throw error;
        platforms.push("(damaged)");
      }
    }
    out.push({ name, digest: descriptor.digest, mediaType: descriptor.mediaType, platforms });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The blobs an entry reaches that are in the cache: the document itself, every manifest of an index
 * that is present (attestations included), and their configs and layers.
 */
export async function reachableBlobs(store: OciLayoutStore, descriptor: Descriptor): Promise<Set<Digest>> {
  const seen = new Set<Digest>();
  const visit = async (d: Descriptor): Promise<void> => {
    if (seen.has(d.digest) || !(await store.hasBlob(d))) return;
    seen.add(d.digest);
    let doc: ReturnType<typeof parseManifest>;
    try {
      doc = parseManifest(await store.readBlobBytes(d), d.mediaType, d.digest);
    } catch (error) {
      // Not a manifest (a config or a layer reached from an index by mistake), or damaged: a leaf.
      if (error instanceof OciError) return;
      throw error;
    }
    if (doc.kind === "index") for (const m of doc.index.manifests) await visit(m);
    else
      for (const b of [doc.manifest.config, ...doc.manifest.layers])
        if (await store.hasBlob(b)) seen.add(b.digest);
  };
  if (isManifestType(descriptor.mediaType)) await visit(descriptor);
  else if (await store.hasBlob(descriptor)) seen.add(descriptor.digest);
  return seen;
}

function isManifestType(mediaType: string): boolean {
  return mediaType.includes("manifest") || mediaType.includes("index");
}

/** What `cache rm` did. */
export interface RemoveResult {
  readonly removed: readonly NamedDescriptor[];
  readonly notFound: readonly string[];
  readonly deletedBlobs: number;
  readonly keptSharedBlobs: number;
}

/**
 * Removes named images and the blobs only they use. Names are exact cache names
 * (`docker.io/library/alpine:3.20`; callers normalise user input first).
 */
export async function removeCachedImages(
  store: OciLayoutStore,
  names: readonly string[],
): Promise<RemoveResult> {
  return store.locked(async () => {
    const all = await store.names();
    const removing = all.filter((n) => names.includes(n.name));
    const notFound = names.filter((n) => !all.some((a) => a.name === n));
    const remaining = all.filter((n) => !names.includes(n.name));
    const keep = new Set<Digest>();
    for (const n of remaining) for (const d of await reachableBlobs(store, n.descriptor)) keep.add(d);
    const candidates = new Set<Digest>();
    for (const n of removing) for (const d of await reachableBlobs(store, n.descriptor)) candidates.add(d);
    const doomed = [...candidates].filter((d) => !keep.has(d));
    await store.updateIndexUnlocked((index) => ({
      ...index,
      manifests: index.manifests.filter(
        (d) =>
          !removing.some(
            (r) =>
              r.descriptor.digest === d.digest &&
              r.name === d.annotations?.["org.opencontainers.image.ref.name"],
          ),
      ),
    }));
    await store.deleteBlobs(doomed);
    return {
      removed: removing,
      notFound,
      deletedBlobs: doomed.length,
      keptSharedBlobs: candidates.size - doomed.length,
    };
  });
}

/** Empties the cache (blobs, names, temporary files), keeping it a valid, empty layout. */
export async function cleanCache(store: OciLayoutStore): Promise<void> {
  await store.locked(async () => {
    await store.updateIndexUnlocked((index) => ({ ...index, manifests: [] }));
    const blobs = join(store.dir, "blobs");
    for (const alg of await readdir(blobs).catch(() => [] as string[]))
      await rm(join(blobs, alg), { recursive: true, force: true });
    await ensureDir(join(blobs, "sha256"));
    await rm(join(store.dir, "ingest"), { recursive: true, force: true });
  });
}
