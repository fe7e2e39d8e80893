/**
 * `oci-archive:FILE[:REF]`: an OCI image layout (image-spec image-layout.md) inside an uncompressed
 * tar, as `skopeo copy … oci-archive:` and `ocikit cache export --format oci` write it. The archive is
 * indexed once (tar-index.ts) and read in place: blobs stream from their offsets, verified against
 * their digests, nothing is extracted. REF selects an `index.json` entry by
 * `org.opencontainers.image.ref.name` (as skopeo does), by `io.containerd.image.name`, or by digest;
 * without REF the layout must hold one entry. An index is resolved to the wanted platform.
 */
import { splitDigest, verifyBlob } from "../digest.js";
import { OciError } from "../errors.js";
import type { BlobSource, RawImage } from "../image.js";
import { imageFromDescriptor, pickLayoutEntry } from "../image-source.js";
import { parseManifest } from "../manifest.js";
import { MediaType } from "../media-types.js";
import type { Descriptor, ImageIndex, Platform } from "../types.js";
import { TarIndex } from "./tar-index.js";

// index.json of a layout names images; a few MiB would already be a very odd one.
const MAX_INDEX_BYTES = 16 << 20;

/** The blobs of an OCI layout inside an indexed tar file, read in place and verified. */
export class OciArchiveBlobs implements BlobSource {
  readonly #index: TarIndex;

  constructor(index: TarIndex) {
    this.#index = index;
  }

  /** The archive member that holds a blob, if any (links followed). */
  member(digest: Descriptor["digest"]) {
    const { algorithm, encoded } = splitDigest(digest);
    return this.#index.resolve(`blobs/${algorithm}/${encoded}`);
  }

  /**
   * Streams a blob from the archive, verified against `descriptor`.
   * @throws {OciError} OCI_BAD_ARCHIVE when the archive lacks it; OCI_DIGEST_MISMATCH,
   *   OCI_SIZE_MISMATCH when its bytes are not what the descriptor says
   */
  async *readBlob(descriptor: Pick<Descriptor, "digest" | "size" | "mediaType">): AsyncIterable<Uint8Array> {
    const member = this.member(descriptor.digest);
    const { file } = this.#index;
    if (!member) {
      const { algorithm, encoded } = splitDigest(descriptor.digest);
      throw new OciError(
        "OCI_BAD_ARCHIVE",
        `${file}: blob ${descriptor.digest} (blobs/${algorithm}/${encoded}) is not in the archive`,
      );
    }
    yield* verifyBlob(this.#index.read(member), descriptor, `${file}: blob ${descriptor.digest}`);
  }
}

/**
 * Reads the `index.json` of an indexed OCI layout archive.
 * @throws {OciError} OCI_BAD_ARCHIVE when it is missing (not an OCI archive); OCI_BAD_MANIFEST when
 *   it is not an image index
 */
export async function readArchiveIndex(index: TarIndex): Promise<ImageIndex> {
  if (!index.resolve("index.json")) {
    const hint = index.resolve("manifest.json")
      ? ` (it has a manifest.json: use docker-archive:${index.file})`
      : "";
    throw new OciError("OCI_BAD_ARCHIVE", `${index.file}: not an OCI layout archive: no index.json${hint}`);
  }
  const bytes = await index.readSmall("index.json", MAX_INDEX_BYTES);
  const doc = parseManifest(bytes, MediaType.ociIndex, `${index.file}: index.json`);
  if (doc.kind !== "index") {
    throw new OciError(
      "OCI_BAD_ARCHIVE",
      `${index.file}: index.json is an image manifest, not an image index`,
    );
  }
  return doc.index;
}

/**
 * Opens an image of an OCI layout archive (`oci-archive:FILE[:NAME]`). `refText` is how the image is
 * named in messages and in `Image.ref` (default `oci-archive:FILE[:NAME]`).
 * @example
 * ```ts
 * const image = await openOciArchiveImage("alpine.tar", "3.20", hostPlatform());
 * for await (const entry of flattenImage(image)) console.log(entry.path);
 * ```
 * @throws {OciError} OCI_NOT_FOUND (no such file, no such name), OCI_BAD_ARCHIVE (not an OCI layout
 *   tar, a missing blob, a compressed or corrupt tar), OCI_PLATFORM_NOT_FOUND, OCI_BAD_MANIFEST,
 *   OCI_DIGEST_MISMATCH
 */
export async function openOciArchiveImage(
  file: string,
  name: string | undefined,
  platform: Platform,
  refText?: string,
): Promise<RawImage> {
  const ref = refText ?? `oci-archive:${file}${name ? `:${name}` : ""}`;
  const index = await TarIndex.open(file);
  const entry = pickLayoutEntry(await readArchiveIndex(index), name, ref);
  return imageFromDescriptor(new OciArchiveBlobs(index), entry, platform, ref);
}
