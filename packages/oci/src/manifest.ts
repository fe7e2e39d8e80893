/**
 * Reading manifest documents: an OCI image index or Docker manifest list, or an OCI image manifest
 * or Docker schema-2 manifest (image-spec manifest.md, image-index.md). The bytes are kept, since a
 * manifest's digest is the digest of exactly those bytes; the parsed value is checked enough that
 * code further on can trust its descriptors (digests, sizes, media types). Docker schema 1 is refused.
 */
import { type Digest, isDigest, sha256Digest } from "./digest.js";
import { OciError } from "./errors.js";
import { isIndexMediaType, isManifestMediaType, MediaType } from "./media-types.js";
import type { Descriptor, ImageConfig, ImageIndex, ImageManifest } from "./types.js";

/** A manifest document with its exact bytes and digest. */
export type ManifestDocument =
  | {
      readonly kind: "index";
      readonly mediaType: string;
      readonly bytes: Uint8Array;
      readonly digest: Digest;
      readonly index: ImageIndex;
    }
  | {
      readonly kind: "manifest";
      readonly mediaType: string;
      readonly bytes: Uint8Array;
      readonly digest: Digest;
      readonly manifest: ImageManifest;
    };

/** A manifest document that is an image manifest (not an index). */
export type ImageManifestDocument = Extract<ManifestDocument, { readonly kind: "manifest" }>;

/**
 * Parses manifest bytes. `contentType` is the registry's Content-Type or the descriptor's media
 * type, used when the document has no `mediaType` field. `what` names it in messages.
 * @throws {OciError} OCI_BAD_MANIFEST, OCI_UNSUPPORTED_MEDIA_TYPE
 */
export function parseManifest(
  bytes: Uint8Array,
  contentType: string | undefined,
  what: string,
): ManifestDocument {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new OciError("OCI_BAD_MANIFEST", `${what}: the manifest is not valid JSON`, { cause: error });
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new OciError("OCI_BAD_MANIFEST", `${what}: the manifest is not a JSON object`);
  }
  const doc = value as Record<string, unknown>;
  const digest = sha256Digest(bytes);
  if (doc.schemaVersion === 1) {
    throw new OciError(
      "OCI_UNSUPPORTED_MEDIA_TYPE",
      `${what}: Docker schema 1 manifests are not supported; re-push the image with a current client`,
    );
  }
  if (doc.schemaVersion !== 2) throw new OciError("OCI_BAD_MANIFEST", `${what}: schemaVersion must be 2`);
  const declared = typeof doc.mediaType === "string" ? doc.mediaType : undefined;
  const mediaType =
    declared ??
    baseType(contentType) ??
    (Array.isArray(doc.manifests) ? MediaType.ociIndex : MediaType.ociManifest);
  if (isIndexMediaType(mediaType) || (declared === undefined && Array.isArray(doc.manifests))) {
    if (!Array.isArray(doc.manifests))
      throw new OciError("OCI_BAD_MANIFEST", `${what}: an index needs a "manifests" list`);
    doc.manifests.forEach((d, i) => {
      checkDescriptor(d, `${what}: manifests[${i}]`);
    });
    return { kind: "index", mediaType, bytes, digest, index: doc as unknown as ImageIndex };
  }
  if (
    isManifestMediaType(mediaType) ||
    mediaType.startsWith("application/vnd.oci.") ||
    mediaType.startsWith("application/vnd.docker.")
  ) {
    checkDescriptor(doc.config, `${what}: config`);
    if (!Array.isArray(doc.layers))
      throw new OciError("OCI_BAD_MANIFEST", `${what}: a manifest needs a "layers" list`);
    doc.layers.forEach((d, i) => {
      checkDescriptor(d, `${what}: layers[${i}]`);
    });
    return { kind: "manifest", mediaType, bytes, digest, manifest: doc as unknown as ImageManifest };
  }
  throw new OciError("OCI_UNSUPPORTED_MEDIA_TYPE", `${what}: unsupported manifest media type "${mediaType}"`);
}

/**
 * Parses an image config blob.
 * @throws {OciError} OCI_BAD_MANIFEST
 */
export function parseImageConfig(bytes: Uint8Array, what: string): ImageConfig {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new OciError("OCI_BAD_MANIFEST", `${what}: the image config is not valid JSON`, { cause: error });
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new OciError("OCI_BAD_MANIFEST", `${what}: the image config is not a JSON object`);
  }
  return value as ImageConfig;
}

function checkDescriptor(value: unknown, what: string): asserts value is Descriptor {
  if (value === null || typeof value !== "object")
    throw new OciError("OCI_BAD_MANIFEST", `${what}: not a descriptor`);
  const d = value as Record<string, unknown>;
  if (typeof d.mediaType !== "string")
    throw new OciError("OCI_BAD_MANIFEST", `${what}: descriptor has no mediaType`);
  if (typeof d.digest !== "string" || !isDigest(d.digest)) {
    throw new OciError(
      "OCI_BAD_MANIFEST",
      `${what}: descriptor has an invalid digest ${JSON.stringify(d.digest)}`,
    );
  }
  if (typeof d.size !== "number" || !Number.isSafeInteger(d.size) || d.size < 0) {
    throw new OciError(
      "OCI_BAD_MANIFEST",
      `${what}: descriptor has an invalid size ${JSON.stringify(d.size)}`,
    );
  }
}

function baseType(contentType: string | undefined): string | undefined {
  const base = contentType?.split(";")[0]?.trim();
  return base === "" || base === "application/json" || base === "application/octet-stream" ? undefined : base;
}

/** A descriptor for a manifest document. */
export function describeManifest(doc: ManifestDocument): Descriptor {
  return { mediaType: doc.mediaType, digest: doc.digest, size: doc.bytes.length };
}
