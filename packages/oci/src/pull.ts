/**
 * Pulling: a registry reference becomes an `Image` backed by the cache. A cached image is used
 * offline when its entry is complete for the wanted platform (the tag is re-resolved only with
 * `pull: true` or when the name is missing); otherwise the manifest (and index) are fetched, the
 * platform chosen, and the config, layers and the image's attestations (for SBOMs) downloaded in
 * parallel into the cache, each verified, retried once from scratch if its bytes were wrong.
 *
 * The cache names the top-level document the tag pointed at — the index for multi-platform images,
 * as LinuxKit stores it (linuxkit-reference.md §5.2) — and holds blobs for the platforms pulled.
 */
import { blobImage } from "./blob-image.js";
import type { Digest } from "./digest.js";
import { OciError } from "./errors.js";
import type { RawImage } from "./image.js";
import type { OciLayoutStore } from "./layout-store.js";
import { Limiter } from "./limiter.js";
import { describeManifest, type ManifestDocument, parseImageConfig, parseManifest } from "./manifest.js";
import {
  attestationsFor,
  configPlatform,
  formatPlatform,
  platformMatches,
  selectManifest,
} from "./platform.js";
import { parseRegistryRef, type RegistryRef, withDigest } from "./reference.js";
import { RegistryClient } from "./registry-client.js";
import type { RegistryTransport } from "./registry-transport.js";
import type { Descriptor, Platform } from "./types.js";

/** What a pull reports, as plain data (the CLI draws it, `--json` prints it). */
export type PullEvent =
  | {
      readonly type: "resolve";
      readonly ref: string;
      readonly digest: string;
      readonly from: "cache" | "registry";
    }
  | {
      readonly type: "blob";
      readonly ref: string;
      readonly digest: string;
      readonly mediaType: string;
      readonly bytesDone: number;
      readonly bytesTotal: number;
      readonly cached: boolean;
    }
  | { readonly type: "warning"; readonly ref: string; readonly code: string; readonly message: string };

export interface PullerOptions {
  readonly store: OciLayoutStore;
  readonly transport: RegistryTransport;
  /** The platform to pull from multi-platform images. */
  readonly platform: Platform;
  /** Re-resolve tags even when cached (`--pull`). Default false. */
  readonly pull?: boolean;
  /** Parallel blob downloads, shared by every pull of this puller. Default 4. */
  readonly concurrency?: number;
  /**
   * Hash blobs already in the cache before relying on them (`cache pull` does); a damaged one is
   * reported and fetched again. Default false: sizes are checked, bytes when they are read.
   */
  readonly verifyCached?: boolean;
  readonly onProgress?: (event: PullEvent) => void;
}

export const PULL_DEFAULTS = { concurrency: 4 } as const;

/** Pulls images into one cache; share one per command so that downloads share the limit. */
export class ImagePuller {
  readonly #options: PullerOptions;
  readonly #limiter: Limiter;
  readonly #clients = new Map<string, RegistryClient>();

  constructor(options: PullerOptions) {
    this.#options = options;
    this.#limiter = new Limiter(options.concurrency ?? PULL_DEFAULTS.concurrency);
  }

  /**
   * The image a registry reference names, for this puller's platform, from the cache or pulled.
   * @throws {OciError} OCI_BAD_REFERENCE, OCI_NOT_FOUND, OCI_PLATFORM_NOT_FOUND, OCI_UNAUTHORIZED, … (each naming the reference)
   */
  async pull(refText: string): Promise<RawImage> {
    const ref = parseRegistryRef(refText);
    if (!this.#options.pull || ref.digest !== undefined) {
      const cached = await this.cached(ref);
      if (cached) {
        this.#emit({
          type: "resolve",
          ref: ref.name,
          digest: cached.indexDigest ?? cached.digest,
          from: "cache",
        });
        return cached;
      }
    }
    return this.#fromRegistry(ref);
  }

  /**
   * The cached image for `ref` if its entry is complete for the platform (manifests and config are
   * read and verified; layers must be present with the right size — their bytes are verified
   * whenever they are read).
   */
  async cached(ref: RegistryRef): Promise<RawImage | undefined> {
    const { store, platform } = this.#options;
    const top = await store.resolveName(ref.name);
    if (!top || !(await store.hasBlob(top))) return undefined;
    try {
      const doc = parseManifest(await store.readBlobBytes(top), top.mediaType, `cached ${ref.name}`);
      let manifestDoc: ManifestDocument = doc;
      let chosen: Descriptor = top;
      if (doc.kind === "index") {
        const entry = doc.index.manifests.find((m) => platformMatches(m.platform, platform));
        if (!entry || !(await store.hasBlob(entry))) return undefined;
        chosen = entry;
        manifestDoc = parseManifest(await store.readBlobBytes(entry), entry.mediaType, `cached ${ref.name}`);
      }
      if (manifestDoc.kind !== "manifest") return undefined;
      const m = manifestDoc.manifest;
      for (const blob of [m.config, ...m.layers]) if (!(await store.hasBlob(blob))) return undefined;
      const config = parseImageConfig(await store.readBlobBytes(m.config), `config of ${ref.name}`);
      const imagePlatform = chosen.platform ?? configPlatform(config);
      if (
        doc.kind === "manifest" &&
        !platformMatches(imagePlatform, { os: platform.os, architecture: platform.architecture })
      )
        return undefined;
      return blobImage({
        ref: ref.name,
        source: store,
        manifest: manifestDoc,
        ...(doc.kind === "index" ? { indexDigest: doc.digest } : {}),
        platform: imagePlatform,
        config,
      });
    } catch (error) {
      // A damaged cached manifest or config is not fatal: it is fetched again.
      const code = (error as OciError).code;
      if (code === "OCI_CACHE_CORRUPT" || code === "OCI_BAD_MANIFEST" || code === "OCI_NOT_CACHED") {
        this.#emit({
          type: "warning",
          ref: ref.name,
          code,
          message: `${(error as Error).message}; fetching it again`,
        });
        await store.deleteBlobs([top.digest]);
        return undefined;
      }
      throw error;
    }
  }

  async #fromRegistry(ref: RegistryRef): Promise<RawImage> {
    const { store, platform } = this.#options;
    const client = this.#client(ref.registry);
    const top = await client.getManifest(ref);
    this.#emit({ type: "resolve", ref: ref.name, digest: top.digest, from: "registry" });
    await store.writeBytes(top.bytes, top.mediaType);
    let manifestDoc: ManifestDocument = top;
    let chosen: Descriptor = describeManifest(top);
    const extra: Promise<void>[] = [];
    if (top.kind === "index") {
      chosen = selectManifest(top.index, platform, ref.name);
      manifestDoc = await this.#fetchManifest(client, ref, chosen);
      for (const attestation of attestationsFor(top.index, chosen.digest))
        extra.push(this.#fetchAttestation(client, ref, attestation));
    }
    if (manifestDoc.kind !== "manifest") {
      throw new OciError(
        "OCI_BAD_MANIFEST",
        `${ref.name}: index entry ${chosen.digest} is itself an index; nested indexes are not supported`,
      );
    }
    const manifest = manifestDoc.manifest;
    try {
      await this.#fetchBlobs(client, ref, [manifest.config, ...manifest.layers]);
    } catch (error) {
      // The attestations' downloads write into the cache too: the pull ends when they have.
      await Promise.allSettled(extra);
      throw error;
    }
    const config = parseImageConfig(await store.readBlobBytes(manifest.config), `config of ${ref.name}`);
    const imagePlatform = chosen.platform ?? configPlatform(config);
    if (
      top.kind === "manifest" &&
      !platformMatches(imagePlatform, { os: platform.os, architecture: platform.architecture })
    ) {
      throw new OciError(
        "OCI_PLATFORM_NOT_FOUND",
        `${ref.name} is a single-platform image for ${formatPlatform(imagePlatform)}, not ${formatPlatform(platform)} (choose it with --arch ${imagePlatform.architecture})`,
      );
    }
    await Promise.all(extra);
    await store.setName(
      ref.name,
      top.kind === "manifest" ? { ...describeManifest(top), platform: imagePlatform } : describeManifest(top),
    );
    return blobImage({
      ref: ref.name,
      source: store,
      manifest: manifestDoc,
      ...(top.kind === "index" ? { indexDigest: top.digest } : {}),
      platform: imagePlatform,
      config,
    });
  }

  async #fetchManifest(
    client: RegistryClient,
    ref: RegistryRef,
    descriptor: Descriptor,
  ): Promise<ManifestDocument> {
    const doc = await client.getManifest(withDigest(ref, descriptor.digest));
    if (doc.bytes.length !== descriptor.size) {
      throw new OciError(
        "OCI_SIZE_MISMATCH",
        `manifest ${descriptor.digest} of ${ref.name}: ${doc.bytes.length} bytes, the index says ${descriptor.size}`,
      );
    }
    await this.#options.store.writeBytes(doc.bytes, doc.mediaType);
    return doc;
  }

  /** Attestations are optional extras (SBOMs): a failure is a warning, not a failed pull. */
  async #fetchAttestation(client: RegistryClient, ref: RegistryRef, descriptor: Descriptor): Promise<void> {
    try {
      const doc = await this.#fetchManifest(client, ref, descriptor);
      if (doc.kind === "manifest")
        await this.#fetchBlobs(client, ref, [doc.manifest.config, ...doc.manifest.layers]);
    } catch (error) {
      if (!(error instanceof OciError)) throw error;
      this.#emit({
        type: "warning",
        ref: ref.name,
        code: error.code,
        message: `attestation ${descriptor.digest} skipped: ${error.message}`,
      });
    }
  }

  /**
   * Fetches the blobs, `concurrency` at a time. When one fails, those not started yet are skipped and
   * those running are waited for before the failure is thrown, so nothing is written into the cache
   * after a pull has ended.
   */
  async #fetchBlobs(client: RegistryClient, ref: RegistryRef, blobs: readonly Descriptor[]): Promise<void> {
    const seen = new Set<Digest>();
    let failure: { readonly error: unknown } | undefined;
    await Promise.all(
      blobs
        .filter((b) => !seen.has(b.digest) && seen.add(b.digest))
        .map((blob) =>
          this.#limiter.run(async () => {
            if (failure) return;
            try {
              await this.#fetchBlob(client, ref, blob);
            } catch (error) {
              failure ??= { error };
            }
          }),
        ),
    );
    if (failure) throw failure.error;
  }

  async #fetchBlob(client: RegistryClient, ref: RegistryRef, blob: Descriptor): Promise<void> {
    const { store } = this.#options;
    const event = {
      type: "blob",
      ref: ref.name,
      digest: blob.digest,
      mediaType: blob.mediaType,
      bytesTotal: blob.size,
    } as const;
    if ((await store.hasBlob(blob)) && (await this.#cachedBlobIsSound(ref, blob))) {
      this.#emit({ ...event, bytesDone: blob.size, cached: true });
      return;
    }
    const what = `${blobKind(blob)} ${blob.digest} of ${ref.name}`;
    for (let attempt = 0; ; attempt++) {
      try {
        await store.writeBlob(
          blob,
          client.readBlob(ref.repository, blob, what, {
            // The cache verifies while it writes; hashing here too would only cost time.
            verify: false,
            onProgress: (bytesDone) => this.#emit({ ...event, bytesDone, cached: false }),
          }),
          what,
        );
        return;
      } catch (error) {
        const code = (error as OciError).code;
        // Wrong bytes (a broken proxy, a flaky disk): the cache kept nothing; try once more from scratch.
        if (attempt === 0 && (code === "OCI_DIGEST_MISMATCH" || code === "OCI_SIZE_MISMATCH")) {
          this.#emit({
            type: "warning",
            ref: ref.name,
            code,
            message: `${(error as Error).message}; downloading it again`,
          });
          continue;
        }
        throw error;
      }
    }
  }

  /** With `verifyCached`, reads the cached blob through (the store verifies and removes it if damaged). */
  async #cachedBlobIsSound(ref: RegistryRef, blob: Descriptor): Promise<boolean> {
    if (!this.#options.verifyCached) return true;
    try {
      for await (const _chunk of this.#options.store.readBlob(blob));
      return true;
    } catch (error) {
      if ((error as OciError).code !== "OCI_CACHE_CORRUPT") throw error;
      this.#emit({
        type: "warning",
        ref: ref.name,
        code: "OCI_CACHE_CORRUPT",
        message: `${(error as Error).message.split(";")[0]}; fetching it again`,
      });
      return false;
    }
  }

  #client(registry: string): RegistryClient {
    let client = this.#clients.get(registry);
    if (!client) {
      client = new RegistryClient(this.#options.transport, registry);
      this.#clients.set(registry, client);
    }
    return client;
  }

  #emit(event: PullEvent): void {
    this.#options.onProgress?.(event);
  }
}

function blobKind(blob: Descriptor): string {
  return blob.mediaType.includes("config") ? "config" : "layer";
}
