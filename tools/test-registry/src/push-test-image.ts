/**
 * One call from an image described in code to an image in a test registry: builds it into a
 * temporary OCI layout (layout-builder.ts), pushes it with skopeo (skopeo.ts), removes the layout.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BuiltImage, ImageSpec, IndexSpec } from "./image-spec.js";
import { buildLayout } from "./layout-builder.js";
import { copyLayoutToRegistry, type RegistryAccess, type RegistryImage } from "./skopeo.js";

/** Options of {@link pushTestImage}. */
export interface PushTestImageOptions {
  /** Repository in the registry, e.g. "test/hello". */
  readonly repository: string;
  /** Default: "latest". */
  readonly tag?: string;
  /** The image (single-platform, or an index with `manifests`). */
  readonly image: Omit<ImageSpec, "name"> | Omit<IndexSpec, "name">;
  readonly signal?: AbortSignal;
}

/** An image pushed by {@link pushTestImage}: where it is, and what was built. */
export interface PushedImage extends RegistryImage {
  readonly image: BuiltImage;
}

/**
 * Builds `options.image` and pushes it to `registry` as `REPOSITORY:TAG`.
 * @throws {TestRegistryError} `TEST_REGISTRY_BAD_IMAGE_SPEC`, `TEST_REGISTRY_TOOL_MISSING`, `TEST_REGISTRY_TOOL_FAILED`
 * @example
 * ```ts
 * const pushed = await pushTestImage(registry, {
 *   repository: "test/hello",
 *   image: { layers: [{ files: [{ path: "hello.txt", contents: "hello\n" }] }] },
 * });
 * pushed.reference; // "127.0.0.1:PORT/test/hello:latest"
 * ```
 */
export async function pushTestImage(
  registry: RegistryAccess,
  options: PushTestImageOptions,
): Promise<PushedImage> {
  const name = `${options.repository}:${options.tag ?? "latest"}`;
  const dir = await mkdtemp(join(tmpdir(), "ocikit-push-"));
  try {
    const layout = await buildLayout({
      dir,
      images: [{ ...options.image, name } as ImageSpec | IndexSpec],
      signal: options.signal,
    });
    const pushed = await copyLayoutToRegistry(dir, name, registry, { signal: options.signal });
    return { ...pushed, image: layout.image(name) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
