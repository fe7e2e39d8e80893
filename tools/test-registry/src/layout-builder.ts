/**
 * Builds OCI image layouts (image-spec image-layout.md) from images described in code
 * (image-spec.ts): layer blobs by GNU tar (layer-builder.ts), then configs with their diff_ids,
 * manifests, indexes or Docker manifest lists, and `index.json` naming each image with
 * `org.opencontainers.image.ref.name`, so that `skopeo inspect oci:DIR:NAME` and `skopeo copy` read
 * them. Blobs are written once however many images share them. Leaves out signatures, attestations,
 * artifacts and foreign layers.
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { assert } from "@ocikit/errors";
import { TestRegistryError } from "./errors.js";
import {
  type BuiltImage,
  type BuiltLayer,
  type BuiltManifest,
  type Descriptor,
  IMAGE_DEFAULTS,
  type ImageSpec,
  type IndexSpec,
  type LayerCompression,
  type LayerSpec,
  type ManifestSpec,
  type MediaTypeFamily,
  type Platform,
} from "./image-spec.js";
import { buildLayerBlob, type LayerBlob } from "./layer-builder.js";

/** The image-spec annotation that names an image in a layout's index.json. */
export const REF_NAME_ANNOTATION = "org.opencontainers.image.ref.name";

const MEDIA_TYPES = {
  oci: {
    index: "application/vnd.oci.image.index.v1+json",
    manifest: "application/vnd.oci.image.manifest.v1+json",
    config: "application/vnd.oci.image.config.v1+json",
    layer: {
      gzip: "application/vnd.oci.image.layer.v1.tar+gzip",
      zstd: "application/vnd.oci.image.layer.v1.tar+zstd",
      none: "application/vnd.oci.image.layer.v1.tar",
    },
  },
  docker: {
    index: "application/vnd.docker.distribution.manifest.list.v2+json",
    manifest: "application/vnd.docker.distribution.manifest.v2+json",
    config: "application/vnd.docker.container.image.v1+json",
    // Docker's schema 2 has no zstd layer type.
    layer: {
      gzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
      zstd: undefined,
      none: "application/vnd.docker.image.rootfs.diff.tar",
    },
  },
} as const;

/** Options of {@link buildLayout}. */
export interface BuildLayoutOptions {
  /** The layout directory; created if missing. Images already in it keep their place unless rebuilt under the same name. */
  readonly dir: string;
  readonly images: readonly (ImageSpec | IndexSpec)[];
  readonly signal?: AbortSignal;
}

/** A layout as built. */
export interface BuiltLayout {
  readonly dir: string;
  readonly images: readonly BuiltImage[];
  /** The image built under `name`. @throws {TestRegistryError} `TEST_REGISTRY_BAD_IMAGE_SPEC` when there is none */
  image(name: string): BuiltImage;
  /** `oci:DIR:NAME`, skopeo's name for the image `name` of this layout. */
  reference(name: string): string;
}

const badSpec = (message: string) => new TestRegistryError("TEST_REGISTRY_BAD_IMAGE_SPEC", message);

/** Writes `value` as a JSON blob and returns its descriptor. */
async function writeJsonBlob(blobsDir: string, mediaType: string, value: unknown): Promise<Descriptor> {
  const bytes = Buffer.from(JSON.stringify(value));
  const hex = createHash("sha256").update(bytes).digest("hex");
  await writeFile(join(blobsDir, "sha256", hex), bytes);
  return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
}

function layerMediaType(family: MediaTypeFamily, compression: LayerCompression, name: string): string {
  const mediaType = MEDIA_TYPES[family].layer[compression];
  if (!mediaType)
    throw badSpec(
      `image "${name}": Docker media types have no ${compression} layers; use mediaTypes "oci" or gzip`,
    );
  return mediaType;
}

function platformJson(platform: Platform): Record<string, string> {
  return {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
  };
}

/** RFC 3339 without fractions, as Docker writes `created`. */
function rfc3339(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d+Z$/, "Z");
}

/** Writes one platform's config and manifest; its layer blobs exist already. */
async function writeManifest(
  spec: ManifestSpec,
  family: MediaTypeFamily,
  name: string,
  blobs: ReadonlyMap<LayerSpec, LayerBlob>,
  blobsDir: string,
): Promise<BuiltManifest> {
  const platform = spec.platform ?? IMAGE_DEFAULTS.platform;
  const types = MEDIA_TYPES[family];
  const layers: BuiltLayer[] = spec.layers.map((layer) => {
    const blob = blobs.get(layer);
    assert(blob, "buildLayout builds every layer before writing manifests");
    return {
      mediaType: layerMediaType(family, blob.compression, name),
      digest: blob.digest,
      size: blob.size,
      diffId: blob.diffId,
      uncompressedSize: blob.uncompressedSize,
    };
  });
  const created = spec.created ?? rfc3339(IMAGE_DEFAULTS.mtime);
  const config = await writeJsonBlob(blobsDir, types.config, {
    created,
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: spec.config ?? {},
    rootfs: { type: "layers", diff_ids: layers.map((layer) => layer.diffId) },
    history: layers.map((_, index) => ({ created, created_by: `ocikit test-registry: layer ${index + 1}` })),
  });
  const manifest = await writeJsonBlob(blobsDir, types.manifest, {
    schemaVersion: 2,
    mediaType: types.manifest,
    config,
    layers: layers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size })),
    ...(spec.annotations && family === "oci" ? { annotations: spec.annotations } : {}),
  });
  return { ...manifest, platform, config, layers };
}

async function writeImage(
  spec: ImageSpec | IndexSpec,
  blobs: ReadonlyMap<LayerSpec, LayerBlob>,
  blobsDir: string,
): Promise<BuiltImage> {
  const family = spec.mediaTypes ?? IMAGE_DEFAULTS.mediaTypes;
  if (!("manifests" in spec)) {
    const manifest = await writeManifest(spec, family, spec.name, blobs, blobsDir);
    return {
      name: spec.name,
      mediaType: manifest.mediaType,
      digest: manifest.digest,
      size: manifest.size,
      manifests: [manifest],
    };
  }
  const manifests: BuiltManifest[] = [];
  for (const manifestSpec of spec.manifests)
    manifests.push(await writeManifest(manifestSpec, family, spec.name, blobs, blobsDir));
  const types = MEDIA_TYPES[family];
  const index = await writeJsonBlob(blobsDir, types.index, {
    schemaVersion: 2,
    mediaType: types.index,
    manifests: manifests.map((manifest) => ({
      mediaType: manifest.mediaType,
      digest: manifest.digest,
      size: manifest.size,
      platform: platformJson(manifest.platform),
    })),
    ...(spec.annotations && family === "oci" ? { annotations: spec.annotations } : {}),
  });
  return { name: spec.name, ...index, manifests };
}

function checkSpecs(images: readonly (ImageSpec | IndexSpec)[]): void {
  const names = new Set<string>();
  for (const image of images) {
    if (!image.name) throw badSpec("image without a name; give each image the name it has in the layout");
    if (names.has(image.name)) throw badSpec(`image "${image.name}": two images with this name`);
    names.add(image.name);
    if (!("manifests" in image)) continue;
    if (image.manifests.length === 0)
      throw badSpec(`image "${image.name}": an index needs at least one manifest`);
    const platforms = image.manifests.map((manifest) =>
      JSON.stringify(platformJson(manifest.platform ?? IMAGE_DEFAULTS.platform)),
    );
    const duplicate = platforms.find((platform, index) => platforms.indexOf(platform) !== index);
    if (duplicate)
      throw badSpec(
        `image "${image.name}": platform ${duplicate} appears twice; give each manifest its own platform`,
      );
  }
}

/** Builds the unique layers of `images` at most `limit` at a time (gzip and tar are single-threaded). */
async function buildLayers(
  images: readonly (ImageSpec | IndexSpec)[],
  workDir: string,
  blobsDir: string,
  signal?: AbortSignal,
): Promise<Map<LayerSpec, LayerBlob>> {
  const unique = [
    ...new Set(
      images.flatMap((image) =>
        ("manifests" in image ? image.manifests : [image]).flatMap((manifest) => manifest.layers),
      ),
    ),
  ];
  const blobs = new Map<LayerSpec, LayerBlob>();
  let next = 0;
  const worker = async () => {
    while (next < unique.length) {
      const layer = unique[next++];
      if (layer) blobs.set(layer, await buildLayerBlob(layer, { workDir, blobsDir, signal }));
    }
  };
  const limit = Math.max(1, Math.min(4, availableParallelism()));
  await Promise.all(Array.from({ length: limit }, worker));
  return blobs;
}

interface LayoutIndex {
  schemaVersion: 2;
  mediaType: string;
  manifests: Array<Descriptor & { annotations?: Record<string, string> }>;
}

async function readLayoutIndex(dir: string): Promise<LayoutIndex> {
  const text = await readFile(join(dir, "index.json"), "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  if (text === undefined) return { schemaVersion: 2, mediaType: MEDIA_TYPES.oci.index, manifests: [] };
  return JSON.parse(text) as LayoutIndex;
}

/**
 * Builds `images` into the OCI image layout at `dir` and returns their digests.
 * @throws {TestRegistryError} `TEST_REGISTRY_BAD_IMAGE_SPEC`, `TEST_REGISTRY_TOOL_MISSING`, `TEST_REGISTRY_TOOL_FAILED`
 * @example
 * ```ts
 * const layout = await buildLayout({
 *   dir: "/tmp/layout",
 *   images: [{ name: "hello:v1", layers: [{ files: [{ path: "etc/hello", contents: "hi\n" }] }], config: { Cmd: ["/bin/sh"] } }],
 * });
 * layout.reference("hello:v1"); // "oci:/tmp/layout:hello:v1"
 * ```
 */
export async function buildLayout(options: BuildLayoutOptions): Promise<BuiltLayout> {
  checkSpecs(options.images);
  const blobsDir = join(options.dir, "blobs");
  await mkdir(join(blobsDir, "sha256"), { recursive: true });
  const workDir = await mkdtemp(join(options.dir, ".build-"));
  try {
    const blobs = await buildLayers(options.images, workDir, blobsDir, options.signal);
    const images: BuiltImage[] = [];
    for (const spec of options.images) images.push(await writeImage(spec, blobs, blobsDir));

    const index = await readLayoutIndex(options.dir);
    const names = new Set(images.map((image) => image.name));
    index.manifests = [
      ...index.manifests.filter((entry) => !names.has(entry.annotations?.[REF_NAME_ANNOTATION] ?? "")),
      ...images.map((image) => ({
        mediaType: image.mediaType,
        digest: image.digest,
        size: image.size,
        annotations: { [REF_NAME_ANNOTATION]: image.name },
      })),
    ];
    await writeFile(join(options.dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
    await writeFile(join(options.dir, "index.json"), JSON.stringify(index));
    const byName = new Map(images.map((image) => [image.name, image]));
    return {
      dir: options.dir,
      images,
      image: (name) => {
        const image = byName.get(name);
        if (!image)
          throw badSpec(
            `layout ${options.dir}: no image named "${name}"; built: ${[...byName.keys()].join(", ")}`,
          );
        return image;
      },
      reference: (name) => `oci:${options.dir}:${name}`,
    };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
