/**
 * One entry point for every image reference ocikit accepts, in skopeo's transport syntax
 * (image-source.ts): a registry reference (`docker://REF` or plain `REF`, through the cache, pulled
 * when missing), `oci:DIR[:NAME]`, `oci-archive:FILE[:NAME]` and `docker-archive:FILE[:REF]`. Every
 * image it returns is a `RawImage`, so it can also be exported byte for byte.
 */
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { OciError } from "../errors.js";
import { openLayoutImage, parseImageSource } from "../image-source.js";
import type { OciLayoutStore } from "../layout-store.js";
import type { ImagePuller } from "../pull.js";
import type { Platform } from "../types.js";
import { openDockerArchiveImage } from "./docker-archive.js";
import { openOciArchiveImage } from "./oci-archive.js";
import { type RawImage, withRawBlobs } from "./raw-image.js";

/** Options of `openImage`. */
export interface OpenImageOptions {
  /** Pulls registry references (from the cache when they are there). */
  readonly puller: ImagePuller;
  /** The cache `puller` writes to: registry images are read from it as stored. */
  readonly store: OciLayoutStore;
  /** The platform to choose from multi-platform images of layouts and archives. */
  readonly platform: Platform;
  /** What relative layout and archive paths are relative to; default: this process's directory. */
  readonly cwd?: string;
}

/**
 * An image of a registry's, pulled into the cache if needed, with raw access to its manifest and
 * config in `store`.
 * @throws {OciError} what `puller.pull` throws; OCI_CACHE_CORRUPT when the cache lost the manifest
 */
async function registryImage(refText: string, options: OpenImageOptions): Promise<RawImage> {
  const { puller, store } = options;
  const image = await puller.pull(refText);
  let size: number;
  try {
    size = (await stat(store.blobPath(image.digest))).size;
  } catch (error) {
    throw new OciError(
      "OCI_CACHE_CORRUPT",
      `${image.ref}: manifest ${image.digest} vanished from ${store.dir}`,
      {
        cause: error,
      },
    );
  }
  return withRawBlobs(image, await store.readBlobBytes({ digest: image.digest, size }), store);
}

/**
 * Opens any image reference (see the module comment). `Image.ref` is the registry reference
 * normalised, or the reference as given for the other transports.
 * @example
 * ```ts
 * const image = await openImage("docker-archive:alpine.tar", { puller, store, platform: hostPlatform() });
 * ```
 * @throws {OciError} OCI_BAD_REFERENCE; for registries what the puller throws (OCI_NOT_FOUND,
 *   OCI_UNAUTHORIZED, OCI_PLATFORM_NOT_FOUND, …); for files OCI_NOT_FOUND, OCI_NOT_CACHED (not a
 *   layout), OCI_BAD_ARCHIVE, OCI_PLATFORM_NOT_FOUND, OCI_DIGEST_MISMATCH, …
 */
export async function openImage(refText: string, options: OpenImageOptions): Promise<RawImage> {
  const source = parseImageSource(refText);
  if (source.kind === "registry") return registryImage(refText, options);
  const path = resolve(options.cwd ?? ".", source.path);
  const open = {
    oci: openLayoutImage,
    "oci-archive": openOciArchiveImage,
    "docker-archive": openDockerArchiveImage,
  }[source.kind];
  return open(path, source.name, options.platform, refText);
}
