/**
 * One entry point for every image reference ocikit accepts, in skopeo's transport syntax
 * (image-source.ts): a registry reference (`docker://REF` or plain `REF`, through the cache, pulled
 * when missing), `oci:DIR[:NAME]`, `oci-archive:FILE[:NAME]` and `docker-archive:FILE[:REF]`. Every
 * image it returns is a `RawImage`, so it can also be exported byte for byte.
 */
import { resolve } from "node:path";
import type { RawImage } from "../image.js";
import { openLayoutImage, parseImageSource } from "../image-source.js";
import type { ImagePuller } from "../pull.js";
import type { Platform } from "../types.js";
import { openDockerArchiveImage } from "./docker-archive.js";
import { openOciArchiveImage } from "./oci-archive.js";

/** Options of `openImage`. */
export interface OpenImageOptions {
  /** Pulls registry references (from its cache when they are there). */
  readonly puller: ImagePuller;
  /** The platform to choose from multi-platform images of layouts and archives. */
  readonly platform: Platform;
  /** What relative layout and archive paths are relative to; default: this process's directory. */
  readonly cwd?: string;
}

/**
 * Opens any image reference (see the module comment). `Image.ref` is the registry reference
 * normalised, or the reference as given for the other transports.
 * @example
 * ```ts
 * const image = await openImage("docker-archive:alpine.tar", { puller, platform: hostPlatform() });
 * ```
 * @throws {OciError} OCI_BAD_REFERENCE; for registries what the puller throws (OCI_NOT_FOUND,
 *   OCI_UNAUTHORIZED, OCI_PLATFORM_NOT_FOUND, …); for files OCI_NOT_FOUND, OCI_NOT_CACHED (not a
 *   layout), OCI_BAD_ARCHIVE, OCI_PLATFORM_NOT_FOUND, OCI_DIGEST_MISMATCH, …
 */
export async function openImage(refText: string, options: OpenImageOptions): Promise<RawImage> {
  const source = parseImageSource(refText);
  if (source.kind === "registry") return options.puller.pull(refText);
  const path = resolve(options.cwd ?? ".", source.path);
  const open = {
    oci: openLayoutImage,
    "oci-archive": openOciArchiveImage,
    "docker-archive": openDockerArchiveImage,
  }[source.kind];
  return open(path, source.name, options.platform, refText);
}
