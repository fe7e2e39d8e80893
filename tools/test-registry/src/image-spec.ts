/**
 * How tests describe OCI images for the image builder (layout-builder.ts): file trees in code, one
 * tree per layer, plus the container config and platform, single-platform or as a multi-platform
 * index, with OCI or Docker media types. The results (digests, sizes, diff_ids) are described too.
 * Image-spec references: image-layout.md, manifest.md, image-index.md, config.md, layer.md
 * (whiteouts) of github.com/opencontainers/image-spec v1.1.
 */

/** The kinds of entries a layer can hold. `whiteout` and `opaqueWhiteout` are the layer.md markers. */
export type FileType =
  | "file"
  | "dir"
  | "symlink"
  | "hardlink"
  | "fifo"
  | "char"
  | "block"
  /** Deletes `path` of the layers below: written as an empty file `DIR/.wh.NAME`. */
  | "whiteout"
  /** Hides everything the layers below have in the directory `path`: written as `path/.wh..wh..opq`. */
  | "opaqueWhiteout";

/** Deterministic incompressible contents (AES-CTR keystream of the seed), for big blobs. */
export interface GeneratedContents {
  readonly sizeBytes: number;
  /** Default: the file's path. */
  readonly seed?: string;
}

/** One entry of a layer. */
export interface FileSpec {
  /** Path inside the image, relative (a leading `/` is dropped); `..` is refused. */
  readonly path: string;
  /** Default: "file". */
  readonly type?: FileType;
  /** Permission bits with setuid/setgid/sticky; default 0o644 for files and whiteouts, 0o755 for dirs. */
  readonly mode?: number;
  /** Default 0; a hardlink takes its target's. */
  readonly uid?: number;
  /** Default 0; a hardlink takes its target's. */
  readonly gid?: number;
  /** Seconds since the epoch; default: the layer's `mtime`. */
  readonly mtime?: number;
  /** A file's contents; default empty. */
  readonly contents?: string | Uint8Array | GeneratedContents;
  /** A symlink's target (kept as is), or a hardlink's target path in the same layer. */
  readonly linkTarget?: string;
  /** Device numbers of `char` and `block` entries (creating them needs root). */
  readonly devMajor?: number;
  readonly devMinor?: number;
}

/** How a layer blob is compressed. */
export type LayerCompression = "gzip" | "zstd" | "none";

/** The tar dialect GNU tar writes: `pax` (default) as Go's archive/tar does for long names and big ids. */
export type TarFormat = "pax" | "gnu" | "ustar";

interface LayerOptions {
  /** Default: "gzip". */
  readonly compression?: LayerCompression;
  /** Default: "pax". */
  readonly tarFormat?: TarFormat;
  /** Modification time of entries that set none, seconds; default: IMAGE_DEFAULTS.mtime. */
  readonly mtime?: number;
}

/** A layer made of the entries listed. */
export interface FilesLayerSpec extends LayerOptions {
  readonly files: readonly FileSpec[];
  /** Whether missing parent directories get entries (0o755, root); default: true. */
  readonly parents?: boolean;
}

/** A layer made of a directory on disk; every entry is owned by root and stamped with `mtime`. */
export interface DirectoryLayerSpec extends LayerOptions {
  readonly directory: string;
}

/** One layer. Passing the same object to two images shares the blob; equal specs give equal digests anyway. */
export type LayerSpec = FilesLayerSpec | DirectoryLayerSpec;

/** The `config` object of an image config (config.md), with Docker's capitalised keys. */
export interface ContainerConfig {
  readonly User?: string;
  readonly ExposedPorts?: Readonly<Record<string, Record<string, never>>>;
  readonly Env?: readonly string[];
  readonly Entrypoint?: readonly string[];
  readonly Cmd?: readonly string[];
  readonly Volumes?: Readonly<Record<string, Record<string, never>>>;
  readonly WorkingDir?: string;
  readonly Labels?: Readonly<Record<string, string>>;
  readonly StopSignal?: string;
}

/** An OCI platform (image-index.md). */
export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

/** One platform's image: its layers (base first), config and platform. */
export interface ManifestSpec {
  /** Default: linux/amd64. */
  readonly platform?: Platform;
  readonly layers: readonly LayerSpec[];
  readonly config?: ContainerConfig;
  /** RFC 3339 `created` of the config; default: the layers' default mtime as a date. */
  readonly created?: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** Which family of media types manifests, configs and layers use. */
export type MediaTypeFamily = "oci" | "docker";

/** A single-platform image, stored in the layout under `name`. */
export interface ImageSpec extends ManifestSpec {
  /** The layout's `org.opencontainers.image.ref.name`, e.g. "v1" or "busybox:latest". */
  readonly name: string;
  /** Default: "oci". */
  readonly mediaTypes?: MediaTypeFamily;
}

/** A multi-platform image: an index (or Docker manifest list) of one image per platform. */
export interface IndexSpec {
  readonly name: string;
  /** Each needs a distinct `platform`. */
  readonly manifests: readonly ManifestSpec[];
  /** Default: "oci". */
  readonly mediaTypes?: MediaTypeFamily;
  readonly annotations?: Readonly<Record<string, string>>;
}

const DEFAULT_PLATFORM: Platform = { os: "linux", architecture: "amd64" };

/** Defaults of the image builder. */
export const IMAGE_DEFAULTS = {
  /** 2023-11-14T22:13:20Z: a fixed time keeps builds reproducible. */
  mtime: 1_700_000_000,
  platform: DEFAULT_PLATFORM,
  compression: "gzip",
  tarFormat: "pax",
  mediaTypes: "oci",
} as const;

/** A content descriptor (descriptor.md). */
export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
}

/** A layer as built: its blob's descriptor, and the digest and size of its uncompressed tar. */
export interface BuiltLayer extends Descriptor {
  readonly diffId: string;
  readonly uncompressedSize: number;
}

/** One platform's manifest as built. */
export interface BuiltManifest extends Descriptor {
  readonly platform: Platform;
  readonly config: Descriptor;
  readonly layers: readonly BuiltLayer[];
}

/** An image as built: `digest` is its manifest's, or its index's for a multi-platform image. */
export interface BuiltImage extends Descriptor {
  readonly name: string;
  /** One entry for a single-platform image. */
  readonly manifests: readonly BuiltManifest[];
}
