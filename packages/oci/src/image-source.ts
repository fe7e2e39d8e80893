/**
 * Where an image comes from, in skopeo's transport syntax so that one reference works in both
 * tools: `docker://REF` or plain `REF` (a registry, through the cache), `oci:PATH[:REF]` (an OCI
 * layout directory), `oci-archive:FILE[:REF]` (a tar of one) and `docker-archive:FILE[:REF]`
 * (`docker save` output). As in containers/image, the path ends at the first `:`.
 */
import { blobImage } from "./blob-image.js";
import { OciError } from "./errors.js";
import { type BlobSource, type RawImage, readBlobBytes } from "./image.js";
import { OciLayoutStore, REF_NAME_ANNOTATION } from "./layout-store.js";
import { parseManifest } from "./manifest.js";
import { formatPlatform, platformMatches, selectManifest } from "./platform.js";
import { parseRegistryRef, type RegistryRef } from "./reference.js";
import type { Descriptor, ImageIndex, Platform } from "./types.js";

/** containerd's (and `docker save`'s, LinuxKit's export's) annotation for an image's full name. */
export const CONTAINERD_NAME_ANNOTATION = "io.containerd.image.name";

export type ImageSource =
  | { readonly kind: "registry"; readonly ref: RegistryRef }
  | {
      readonly kind: "oci" | "oci-archive" | "docker-archive";
      readonly path: string;
      readonly name?: string;
    };

const FILE_TRANSPORTS = ["oci", "oci-archive", "docker-archive"] as const;

/**
 * Parses an image reference in skopeo's syntax.
 * @throws {OciError} OCI_BAD_REFERENCE
 */
export function parseImageSource(text: string): ImageSource {
  for (const kind of FILE_TRANSPORTS) {
    if (text.startsWith(`${kind}:`)) {
      const rest = text.slice(kind.length + 1);
      const colon = rest.indexOf(":");
      const path = colon < 0 ? rest : rest.slice(0, colon);
      const name = colon < 0 ? "" : rest.slice(colon + 1);
      if (path === "")
        throw new OciError(
          "OCI_BAD_REFERENCE",
          `invalid image reference "${text}": the path is empty; expected ${kind}:PATH[:REF]`,
        );
      return { kind, path, ...(name === "" ? {} : { name }) };
    }
  }
  return { kind: "registry", ref: parseRegistryRef(text) };
}

/** A reference as text again (`oci:/x:tag`, `docker.io/library/alpine:3.20`). */
export function formatImageSource(source: ImageSource): string {
  return source.kind === "registry"
    ? source.ref.name
    : `${source.kind}:${source.path}${source.name ? `:${source.name}` : ""}`;
}

/**
 * An image from an OCI layout directory. `name` selects an `index.json` entry by its
 * `org.opencontainers.image.ref.name` (or a digest); without one, the layout must hold exactly one
 * entry. An index is resolved to `platform`.
 * @throws {OciError} OCI_NOT_FOUND, OCI_PLATFORM_NOT_FOUND, OCI_NOT_CACHED (not a layout), …
 */
export async function openLayoutImage(
  dir: string,
  name: string | undefined,
  platform: Platform,
  refText?: string,
): Promise<RawImage> {
  const store = await OciLayoutStore.open(dir);
  const ref = refText ?? `oci:${dir}${name ? `:${name}` : ""}`;
  const entry = pickLayoutEntry(await store.readIndex(), name, ref);
  return imageFromDescriptor(store, entry, platform, ref);
}

/**
 * The `index.json` entry `name` selects: by `org.opencontainers.image.ref.name`, by containerd's
 * `io.containerd.image.name`, or by digest; without a name, the only entry. `ref` names the layout
 * (or archive) in messages.
 * @throws {OciError} OCI_NOT_FOUND naming the entries there are
 */
export function pickLayoutEntry(index: ImageIndex, name: string | undefined, ref: string): Descriptor {
  const label = (d: Descriptor) =>
    d.annotations?.[REF_NAME_ANNOTATION] ?? d.annotations?.[CONTAINERD_NAME_ANNOTATION] ?? d.digest;
  if (name === undefined) {
    if (index.manifests.length === 1 && index.manifests[0]) return index.manifests[0];
    throw new OciError(
      "OCI_NOT_FOUND",
      `${ref}: the layout has ${index.manifests.length} images; name one as ${ref}:NAME (${index.manifests.map(label).join(", ") || "none"})`,
    );
  }
  const found = index.manifests.find(
    (d) =>
      d.annotations?.[REF_NAME_ANNOTATION] === name ||
      d.annotations?.[CONTAINERD_NAME_ANNOTATION] === name ||
      d.digest === name,
  );
  if (found) return found;
  const names = index.manifests.filter((d) => label(d) !== d.digest).map(label);
  throw new OciError(
    "OCI_NOT_FOUND",
    `${ref}: no image named "${name}" in the layout (it has ${names.join(", ") || "no named images"})`,
  );
}

/**
 * The image a layout entry names, resolving an index to `platform`. `source` is where its blobs
 * are: the layout store, an OCI archive, any `BlobSource`.
 * @throws {OciError} OCI_PLATFORM_NOT_FOUND, OCI_BAD_MANIFEST, and what `source.readBlob` throws
 */
export async function imageFromDescriptor(
  source: BlobSource,
  entry: Descriptor,
  platform: Platform,
  ref: string,
): Promise<RawImage> {
  const top = parseManifest(await readBlobBytes(source, entry), entry.mediaType, ref);
  if (top.kind === "manifest") {
    if (entry.platform && !platformMatches(entry.platform, platform)) {
      throw new OciError(
        "OCI_PLATFORM_NOT_FOUND",
        `${ref} is an image for ${formatPlatform(entry.platform)}, not ${formatPlatform(platform)}`,
      );
    }
    return blobImage({
      ref,
      source,
      manifest: top,
      ...(entry.platform ? { platform: entry.platform } : {}),
    });
  }
  const chosen = selectManifest(top.index, platform, ref);
  const doc = parseManifest(await readBlobBytes(source, chosen), chosen.mediaType, ref);
  if (doc.kind !== "manifest")
    throw new OciError("OCI_BAD_MANIFEST", `${ref}: nested indexes are not supported`);
  return blobImage({
    ref,
    source,
    manifest: doc,
    indexDigest: top.digest,
    ...(chosen.platform ? { platform: chosen.platform } : {}),
  });
}
