/**
 * Pushing a cached image to a registry (`ocikit cache push`): blobs first (skipped when present,
 * mounted from the source repository when it is on the same registry), then each manifest by
 * digest, then the top document under the tag. An index whose platforms are not all cached is
 * pushed as a new index of the cached ones, with a warning (its digest differs from the original).
 */
import type { Digest } from "./digest.js";
import { OciError } from "./errors.js";
import type { OciLayoutStore } from "./layout-store.js";
import { type ManifestDocument, parseManifest } from "./manifest.js";
import { MediaType } from "./media-types.js";
import { parseRegistryRef, type RegistryRef } from "./reference.js";
import { RegistryClient } from "./registry-client.js";
import type { RegistryTransport } from "./registry-transport.js";
import type { Descriptor, ImageIndex } from "./types.js";

export type PushEvent =
  | {
      readonly type: "blob";
      readonly digest: string;
      readonly size: number;
      readonly result: "exists" | "mounted" | "uploaded";
    }
  | { readonly type: "manifest"; readonly digest: string; readonly reference: string }
  | { readonly type: "warning"; readonly code: string; readonly message: string };

export interface PushOptions {
  readonly store: OciLayoutStore;
  readonly transport: RegistryTransport;
  readonly onProgress?: (event: PushEvent) => void;
  /** Blobs larger than this go up in PATCH chunks of this size; default 32 MiB (UPLOAD_CHUNK_BYTES). */
  readonly chunkBytes?: number;
}

/**
 * Pushes the cached image `name` to `target` (a registry reference with a tag or digest).
 * Returns the digest of the document the tag now names.
 * @throws {OciError} OCI_NOT_CACHED, and the registry's errors
 */
export async function pushCachedImage(name: string, target: string, options: PushOptions): Promise<Digest> {
  const { store } = options;
  const to = parseRegistryRef(target);
  const descriptor = await store.resolveName(name);
  if (!descriptor)
    throw new OciError(
      "OCI_NOT_CACHED",
      `${name} is not in the cache ${store.dir}; pull it first (ocikit cache pull ${name})`,
    );
  const client = new RegistryClient(options.transport, to.registry);
  const from = safeRef(name);
  const mountFrom =
    from && from.registry === to.registry && from.repository !== to.repository ? from.repository : undefined;
  const top = parseManifest(await store.readBlobBytes(descriptor), descriptor.mediaType, name);
  const emit = (e: PushEvent): void => options.onProgress?.(e);
  const pushTree = async (doc: ManifestDocument & { kind: "manifest" }): Promise<void> => {
    for (const blob of [doc.manifest.config, ...doc.manifest.layers]) {
      const result = await client.pushBlob(
        to.repository,
        blob,
        () => store.readBlob(blob),
        `blob ${blob.digest} of ${name}`,
        {
          ...(mountFrom ? { mountFrom } : {}),
          ...(options.chunkBytes ? { chunkBytes: options.chunkBytes } : {}),
        },
      );
      emit({ type: "blob", digest: blob.digest, size: blob.size, result });
    }
  };
  const tag = to.tag ?? to.digest ?? "latest";
  if (top.kind === "manifest") {
    await pushTree(top);
    await client.putManifest(to.repository, tag, top.bytes, top.mediaType, `manifest of ${to.name}`);
    emit({ type: "manifest", digest: top.digest, reference: tag });
    return top.digest;
  }
  const present: Descriptor[] = [];
  for (const child of top.index.manifests) {
    if (!(await store.hasBlob(child))) continue;
    const doc = parseManifest(await store.readBlobBytes(child), child.mediaType, `${name} ${child.digest}`);
    if (doc.kind !== "manifest") continue;
    const blobsPresent = await Promise.all(
      [doc.manifest.config, ...doc.manifest.layers].map((b) => store.hasBlob(b)),
    );
    if (!blobsPresent.every(Boolean)) continue;
    await pushTree(doc);
    await client.putManifest(
      to.repository,
      doc.digest,
      doc.bytes,
      doc.mediaType,
      `manifest ${doc.digest} of ${to.name}`,
    );
    emit({ type: "manifest", digest: doc.digest, reference: doc.digest });
    present.push(child);
  }
  if (present.length === 0)
    throw new OciError(
      "OCI_NOT_CACHED",
      `${name}: none of its platforms is complete in the cache; pull it first`,
    );
  let bytes = top.bytes;
  let mediaType = top.mediaType;
  if (present.length < top.index.manifests.length) {
    const partial: ImageIndex = {
      ...top.index,
      mediaType: top.index.mediaType ?? MediaType.ociIndex,
      manifests: present,
    };
    bytes = new TextEncoder().encode(JSON.stringify(partial));
    mediaType = partial.mediaType ?? MediaType.ociIndex;
    emit({
      type: "warning",
      code: "OCI_PARTIAL_INDEX",
      message: `${name}: only ${present.length} of ${top.index.manifests.length} index entries are cached; pushing an index of those (its digest differs from the original)`,
    });
  }
  const pushed = parseManifest(bytes, mediaType, to.name);
  await client.putManifest(to.repository, tag, bytes, mediaType, `index of ${to.name}`);
  emit({ type: "manifest", digest: pushed.digest, reference: tag });
  return pushed.digest;
}

function safeRef(name: string): RegistryRef | undefined {
  try {
    return parseRegistryRef(name);
  } catch {
    // A cache name that is not a registry reference (an imported archive's name): no mount source.
    return undefined;
  }
}
