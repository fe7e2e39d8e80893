/**
 * @ocikit/oci: OCI images without a daemon — a registry client that verifies every byte, a
 * content-addressed cache that is an OCI image layout, other sources (layout directories, OCI and
 * docker archives), and layers flattened into streams of `FsEntry`.
 */
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
export type { BlobSource, Image, Layer } from "./image.js";
export {
  isIndexMediaType,
  isManifestMediaType,
  layerCompression,
  MANIFEST_MEDIA_TYPES,
  MediaType,
} from "./media-types.js";
export type {
  ContainerConfig,
  Descriptor,
  ImageConfig,
  ImageIndex,
  ImageManifest,
  Platform,
} from "./types.js";
