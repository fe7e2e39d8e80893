/**
 * @ocikit/test-registry: what ocikit's tests need to talk to a real registry on 127.0.0.1.
 *
 * - {@link startRegistry}: Debian's docker-registry (distribution 2.8) with no auth, htpasswd Basic
 *   auth, or token auth with an in-process token issuer; random port, temporary storage, killed on
 *   stop, on abort and when the test process dies.
 * - {@link startFaultProxy}: a proxy in front of it that injects 5xx/429, resets, truncated or
 *   corrupted bodies, slowness and a missing Range support, by rule; it records every request.
 * - {@link buildLayout}, {@link pushTestImage}, {@link copyLayoutToRegistry}: OCI images described as
 *   file trees in code, written by GNU tar into an OCI layout and pushed by skopeo (the oracle, not
 *   ocikit); {@link buildLargeImage}: a ~240 MB image of Debian packages for benchmarks.
 *
 * @example
 * ```ts
 * import { pushTestImage, startRegistry } from "@ocikit/test-registry";
 *
 * const registry = await startRegistry({ auth: "token" });
 * try {
 *   const { reference, digest } = await pushTestImage(registry, {
 *     repository: "test/hello",
 *     image: { layers: [{ files: [{ path: "etc/hello", contents: "hello\n" }] }], config: { Cmd: ["/bin/sh"] } },
 *   });
 *   // pull `reference` with the client under test; expect `digest`
 * } finally {
 *   await registry.stop();
 * }
 * ```
 */
export { TestRegistryError, type TestRegistryErrorCode } from "./errors.js";
export {
  FAULT_PATHS,
  type Fault,
  type FaultProxy,
  type FaultProxyOptions,
  type FaultRule,
  type FaultType,
  type RequestLog,
  startFaultProxy,
} from "./fault-proxy.js";
export { findFreePort } from "./free-port.js";
export {
  type BuiltImage,
  type BuiltLayer,
  type BuiltManifest,
  type ContainerConfig,
  type Descriptor,
  type DirectoryLayerSpec,
  type FileSpec,
  type FilesLayerSpec,
  type FileType,
  type GeneratedContents,
  IMAGE_DEFAULTS,
  type ImageSpec,
  type IndexSpec,
  type LayerCompression,
  type LayerSpec,
  type ManifestSpec,
  type MediaTypeFamily,
  type Platform,
  type TarFormat,
} from "./image-spec.js";
export {
  buildLargeImage,
  LARGE_IMAGE_DEFAULTS,
  type LargeImage,
  type LargeImageOptions,
} from "./large-image.js";
export {
  type BuildLayoutOptions,
  type BuiltLayout,
  buildLayout,
  REF_NAME_ANNOTATION,
} from "./layout-builder.js";
export { type PushedImage, type PushTestImageOptions, pushTestImage } from "./push-test-image.js";
export {
  REGISTRY_DEFAULTS,
  type RegistryAuth,
  type StartRegistryOptions,
  startRegistry,
  type TestRegistry,
} from "./registry.js";
export { libtrustKeyId, type TokenAccess, type TokenKeyHeader } from "./registry-token.js";
export {
  type CopyToRegistryOptions,
  copyLayoutToRegistry,
  type InspectOptions,
  inspectWithSkopeo,
  type RegistryAccess,
  type RegistryImage,
} from "./skopeo.js";
export {
  type IssuedToken,
  type SignTokenOptions,
  startTokenIssuer,
  TOKEN_ISSUER_DEFAULTS,
  type TokenIssuer,
  type TokenIssuerOptions,
  type TokenRequestLog,
} from "./token-issuer.js";
