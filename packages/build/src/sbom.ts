/**
 * The SBOM (linuxkit-reference.md §3.10): SPDX documents that images carry as in-toto attestations
 * (BuildKit's `unknown/unknown` index entries pointing at the image) are merged into one SPDX-2.3
 * document, file paths prefixed with where each image was unpacked, written as `sbom.spdx.json`.
 * Unlike LinuxKit's — whose document namespace is a random UUID, so default builds never reproduce
 * (Appendix A.9) — the namespace is derived from the images' digests, and `created` is the fixed
 * build time.
 */
import { createHash } from "node:crypto";
import {
  attestationsFor,
  type Image,
  isIndexMediaType,
  MediaType,
  type NamedDescriptor,
  type OciLayoutStore,
  parseManifest,
} from "@ocikit/oci";
import { CREATED_MTIME } from "./constants.js";

/** An image whose attestations should be merged, and where its files live in the tree. */
export interface SbomSource {
  readonly image: Image;
  /** `""` for init images, `containers/services/x/lower` for a bundle, … */
  readonly prefix: string;
}

interface SpdxDocument {
  readonly packages?: readonly Record<string, unknown>[];
  readonly files?: readonly Record<string, unknown>[];
  readonly relationships?: readonly Record<string, unknown>[];
}

const SPDX_PREDICATE = "https://spdx.dev/Document";

/** The merged SPDX document's JSON text. */
export async function buildSbom(sources: readonly SbomSource[], store: OciLayoutStore): Promise<string> {
  const packages: Record<string, unknown>[] = [];
  const files: Record<string, unknown>[] = [];
  const relationships: Record<string, unknown>[] = [];
  // index.json is read once for all the images, not once for each.
  const named = sources.some((s) => s.image.indexDigest) ? await store.names() : [];
  for (const { image, prefix } of sources) {
    for (const doc of await spdxDocumentsOf(image, store, named)) {
      packages.push(...(doc.packages ?? []));
      relationships.push(...(doc.relationships ?? []));
      for (const file of doc.files ?? []) {
        const name = typeof file.fileName === "string" ? file.fileName.replace(/^\/+/, "") : undefined;
        files.push(
          name === undefined ? file : { ...file, fileName: `/${prefix ? `${prefix}/` : ""}${name}` },
        );
      }
    }
  }
  const id = createHash("sha256")
    .update(JSON.stringify(sources.map((s) => [s.image.digest, s.prefix])))
    .digest("hex");
  const document = {
    spdxVersion: "SPDX-2.3",
    dataLicense: "CC0-1.0",
    SPDXID: "SPDXRef-DOCUMENT",
    name: "sbom",
    documentNamespace: `https://ocikit.dev/sbom/sha256-${id}`,
    creationInfo: {
      created: new Date(CREATED_MTIME * 1000).toISOString().replace(".000Z", "Z"),
      creators: ["Tool: ocikit"],
    },
    packages,
    files,
    relationships,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/**
 * The SPDX predicates of an image's attestations found in the cache (none for most images); `named`
 * is the cache's `index.json`, where the image's index is found.
 */
async function spdxDocumentsOf(
  image: Image,
  store: OciLayoutStore,
  named: readonly NamedDescriptor[],
): Promise<SpdxDocument[]> {
  if (!image.indexDigest) return [];
  const indexDescriptor = named.find((n) => n.descriptor.digest === image.indexDigest)?.descriptor;
  if (
    !indexDescriptor ||
    !isIndexMediaType(indexDescriptor.mediaType) ||
    !(await store.hasBlob(indexDescriptor))
  )
    return [];
  const index = parseManifest(
    await store.readBlobBytes(indexDescriptor),
    indexDescriptor.mediaType,
    image.ref,
  );
  if (index.kind !== "index") return [];
  const out: SpdxDocument[] = [];
  for (const attestation of attestationsFor(index.index, image.digest)) {
    if (!(await store.hasBlob(attestation))) continue;
    const manifest = parseManifest(await store.readBlobBytes(attestation), attestation.mediaType, image.ref);
    if (manifest.kind !== "manifest") continue;
    for (const layer of manifest.manifest.layers) {
      if (layer.mediaType !== MediaType.inToto || !(await store.hasBlob(layer))) continue;
      const statement = JSON.parse(new TextDecoder().decode(await store.readBlobBytes(layer))) as {
        predicateType?: string;
        predicate?: SpdxDocument;
      };
      if (statement.predicateType === SPDX_PREDICATE && statement.predicate) out.push(statement.predicate);
    }
  }
  return out;
}
