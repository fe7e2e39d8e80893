/**
 * @ocikit/oci: OCI images without a daemon — a registry client that verifies every byte, a
 * content-addressed cache that is an OCI image layout, other sources (layout directories, OCI and
 * docker archives), and layers flattened into streams of `FsEntry`.
 */

export {
  type DockerSaveEntry,
  normalizeImageName,
  openDockerArchiveImage,
} from "./archive/docker-archive.js";
export { EXPORT_FORMATS, type ExportFormat, type ExportOptions, exportImage } from "./archive/export.js";
export { type OpenImageOptions, openImage } from "./archive/image-resolver.js";
export { type ImportOptions, type ImportResult, importArchive } from "./archive/import.js";
export { OciArchiveBlobs, openOciArchiveImage, readArchiveIndex } from "./archive/oci-archive.js";
export { TarIndex, type TarMember } from "./archive/tar-index.js";
export {
  AUTHENTICATOR_DEFAULTS,
  type AuthEvent,
  type AuthenticatorOptions,
  createAuthenticator,
} from "./auth/authenticator.js";
export type { Credentials, CredentialsLookup } from "./auth/credentials.js";
export {
  DOCKER_CONFIG_DEFAULTS,
  type DockerConfigOptions,
  dockerConfigPath,
  dockerCredentials,
  lookupDockerCredentials,
} from "./auth/docker-config.js";
export { blobImage } from "./blob-image.js";
export {
  type CachedImageSummary,
  cleanCache,
  listCachedImages,
  type RemoveResult,
  reachableBlobs,
  removeCachedImages,
} from "./cache-ops.js";
export {
  type Digest,
  type ExpectedBlob,
  isDigest,
  parseDigest,
  sha256Digest,
  splitDigest,
  verifyBlob,
} from "./digest.js";
export { OciError, type OciErrorCode } from "./errors.js";
export { type FlattenLayer, type FlattenOptions, flattenImage, flattenLayers } from "./flatten.js";
export { type BlobSource, type Image, isRawImage, type Layer, type RawImage } from "./image.js";
export {
  formatImageSource,
  type ImageSource,
  imageFromDescriptor,
  openLayoutImage,
  parseImageSource,
} from "./image-source.js";
export { decompressLayer, type LayerEncoding, sniffLayerEncoding } from "./layer-decompress.js";
export {
  type IngestedBlob,
  type NamedDescriptor,
  OciLayoutStore,
  REF_NAME_ANNOTATION,
} from "./layout-store.js";
export { type ManifestDocument, parseImageConfig, parseManifest } from "./manifest.js";
export {
  isIndexMediaType,
  isManifestMediaType,
  layerCompression,
  MANIFEST_MEDIA_TYPES,
  MediaType,
} from "./media-types.js";
export {
  ARCHITECTURES,
  type Architecture,
  attestationsFor,
  formatPlatform,
  hostPlatform,
  isAttestation,
  parsePlatform,
  platformMatches,
  selectManifest,
} from "./platform.js";
export { ImagePuller, PULL_DEFAULTS, type PullEvent, type PullerOptions } from "./pull.js";
export { type PushEvent, type PushOptions, pushCachedImage } from "./push.js";
export { DOCKER_HUB, parseRegistryRef, type RegistryRef } from "./reference.js";
export { RegistryClient } from "./registry-client.js";
export {
  type Authenticator,
  type Mirror,
  RegistryTransport,
  type Scope,
  TRANSPORT_DEFAULTS,
  type TransportOptions,
} from "./registry-transport.js";
export { type ReadTarOptions, readTar } from "./tar-reader.js";
export { WRITE_TAR_DEFAULTS, type WriteTarOptions, writeTar } from "./tar-writer.js";
export type {
  ContainerConfig,
  Descriptor,
  ImageConfig,
  ImageIndex,
  ImageManifest,
  Platform,
} from "./types.js";
