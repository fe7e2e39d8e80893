/**
 * Where an image comes from, in skopeo's transport syntax so that one reference works in both
 * tools: `docker://REF` or plain `REF` (a registry, through the cache), `oci:PATH[:REF]` (an OCI
 * layout directory), `oci-archive:FILE[:REF]` (a tar of one) and `docker-archive:FILE[:REF]`
 * (`docker save` output). As in containers/image, the path ends at the first `:`.
 */
import { blobImage } from "./blob-image.js";
import { OciError } from "./errors.js";
import type { Image } from "./image.js";
import { type NamedDescriptor, OciLayoutStore, REF_NAME_ANNOTATION } from "./layout-store.js";
import { parseManifest } from "./manifest.js";
import { formatPlatform, platformMatches, selectManifest } from "./platform.js";
import { parseRegistryRef, type RegistryRef } from "./reference.js";
import type { Descriptor, Platform } from "./types.js";

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
): Promise<Image> {
  const store = await OciLayoutStore.open(dir);
  const ref = refText ?? `oci:${dir}${name ? `:${name}` : ""}`;
  const entry = await pickEntry(store, name, ref);
  return imageFromDescriptor(store, entry, platform, ref);
}

async function pickEntry(store: OciLayoutStore, name: string | undefined, ref: string): Promise<Descriptor> {
  const index = await store.readIndex();
  if (name === undefined) {
    if (index.manifests.length === 1 && index.manifests[0]) return index.manifests[0];
    const names = index.manifests.map((d) => d.annotations?.[REF_NAME_ANNOTATION] ?? d.digest);
    throw new OciError(
      "OCI_NOT_FOUND",
      `${ref}: the layout has ${index.manifests.length} images; name one as ${ref}:NAME (${names.join(", ") || "none"})`,
    );
  }
  const found = index.manifests.find(
    (d) => d.annotations?.[REF_NAME_ANNOTATION] === name || d.digest === name,
  );
  if (found) return found;
  const names = (await store.names()).map((n: NamedDescriptor) => n.name);
  throw new OciError(
    "OCI_NOT_FOUND",
    `${ref}: no image named "${name}" in the layout (it has ${names.join(", ") || "no named images"})`,
  );
}

/** The image a layout entry names, resolving an index to `platform`. */
export async function imageFromDescriptor(
  store: OciLayoutStore,
  entry: Descriptor,
  platform: Platform,
  ref: string,
): Promise<Image> {
  const top = parseManifest(await store.readBlobBytes(entry), entry.mediaType, ref);
  if (top.kind === "manifest") {
    if (entry.platform && !platformMatches(entry.platform, platform)) {
      throw new OciError(
        "OCI_PLATFORM_NOT_FOUND",
        `${ref} is an image for ${formatPlatform(entry.platform)}, not ${formatPlatform(platform)}`,
      );
    }
    return blobImage({
      ref,
      source: store,
      digest: top.digest,
      manifest: top.manifest,
      ...(entry.platform ? { platform: entry.platform } : {}),
    });
  }
  const chosen = selectManifest(top.index, platform, ref);
  const doc = parseManifest(await store.readBlobBytes(chosen), chosen.mediaType, ref);
  if (doc.kind !== "manifest")
    throw new OciError("OCI_BAD_MANIFEST", `${ref}: nested indexes are not supported`);
  return blobImage({
    ref,
    source: store,
    digest: doc.digest,
    manifest: doc.manifest,
    indexDigest: top.digest,
    ...(chosen.platform ? { platform: chosen.platform } : {}),
  });
}
