/**
 * `pushTestImages`: copies every test image from its OCI layout to a registry with skopeo
 * (test-registry's `copyLayoutToRegistry`: `skopeo copy --all --preserve-digests`), so that tests
 * can pull them by name from a local registry, as `HOST/ocikit-test/init:1`.
 */
import { copyLayoutToRegistry, type RegistryAccess, type RegistryImage } from "@ocikit/test-registry";
import { TEST_IMAGE_ROLES, type TestImageRole } from "./image-definitions.js";
import { type BuildTestImagesOptions, buildTestImages, type TestImages } from "./test-images.js";

/** Options of {@link pushTestImages}. */
export interface PushTestImagesOptions extends BuildTestImagesOptions {
  /** Images built already; default: `buildTestImages(options)`. */
  readonly images?: TestImages;
}

/**
 * Pushes every test image to `registry` under its name (`ocikit-test/init:1`…), digests unchanged.
 * @throws {TestImagesError} what {@link buildTestImages} throws
 * @throws {TestRegistryError} `TEST_REGISTRY_TOOL_MISSING` (skopeo), `TEST_REGISTRY_TOOL_FAILED`
 * @example
 * ```ts
 * const registry = await startRegistry();
 * const pushed = await pushTestImages(registry);
 * pushed.init.reference; // "127.0.0.1:PORT/ocikit-test/init:1"
 * ```
 */
export async function pushTestImages(
  registry: RegistryAccess,
  options: PushTestImagesOptions = {},
): Promise<Record<TestImageRole, RegistryImage>> {
  const images = options.images ?? (await buildTestImages(options));
  const pushed: Partial<Record<TestImageRole, RegistryImage>> = {};
  for (const role of TEST_IMAGE_ROLES)
    pushed[role] = await copyLayoutToRegistry(images.layoutDir, images.refs[role], registry, {
      signal: options.signal,
    });
  return pushed as Record<TestImageRole, RegistryImage>;
}
