/**
 * A realistic large image for the pull and flatten benchmarks: one layer per Debian package (the
 * package's files as `dpkg-deb -x` unpacks them), ~240 MB unpacked and ~75 MB as gzip layers by
 * default. The .debs are fetched with `apt-get download` (network to the Debian mirror only) into a
 * cache directory, and the built OCI layout is cached there too, under a key made of the .deb file
 * names, so a second run costs nothing. Leaves out maintainer scripts: nothing is "installed".
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { TestRegistryError } from "./errors.js";
import type { BuiltImage, LayerCompression } from "./image-spec.js";
import { buildLayout } from "./layout-builder.js";
import { runCommand } from "./run-command.js";

/** Options of {@link buildLargeImage}. */
export interface LargeImageOptions {
  /** Where .debs and built layouts are kept; default: LARGE_IMAGE_DEFAULTS.cacheDir(). */
  readonly cacheDir?: string;
  /** Debian packages, one layer each, base first; default: LARGE_IMAGE_DEFAULTS.packages. */
  readonly packages?: readonly string[];
  /** Default: "gzip". */
  readonly compression?: LayerCompression;
  readonly signal?: AbortSignal;
}

/** Defaults of {@link LargeImageOptions}. */
export const LARGE_IMAGE_DEFAULTS = {
  /** `~/.cache/ocikit-bench`. */
  cacheDir: () => join(homedir(), ".cache", "ocikit-bench"),
  /** Installed sizes on Debian 12: 13 + 115 + 68 + 34 + 8 MB. */
  packages: ["libc6", "libllvm15", "gcc-12", "cpp-12", "libpython3.11-stdlib"],
  compression: "gzip",
} as const;

/** The built image. */
export interface LargeImage {
  /** The OCI layout holding it (in the cache: don't modify). */
  readonly layoutDir: string;
  /** Its name in the layout. */
  readonly name: string;
  /** `oci:DIR:NAME` for skopeo. */
  readonly reference: string;
  readonly image: BuiltImage;
  /** The .deb files the layers come from, base first. */
  readonly debs: readonly string[];
  /** Sum of the layer blobs' sizes (what a pull downloads). */
  readonly sizeBytes: number;
  /** Sum of the layer tars' sizes. */
  readonly uncompressedBytes: number;
}

const IMAGE_NAME = "bench/large:v1";
// Bump when the way the layout is built changes, so cached layouts are rebuilt.
const BUILDER_VERSION = 1;

/** The cached `.deb` of `name`, downloading it with apt-get when it is not there. */
async function fetchDeb(name: string, debsDir: string, signal?: AbortSignal): Promise<string> {
  const cached = async () =>
    (await readdir(debsDir)).filter((file) => file.startsWith(`${name}_`) && file.endsWith(".deb")).sort();
  const found = await cached();
  if (found.length > 0) return join(debsDir, found.at(-1) ?? "");
  await runCommand("apt-get", ["download", name], { cwd: debsDir, signal, debianPackage: "apt" }).catch(
    (error: unknown) => {
      throw new TestRegistryError(
        "TEST_REGISTRY_TOOL_FAILED",
        `apt-get download ${name}: failed; run "apt-get update" (as root) if the package lists are missing, and check the Debian mirror is reachable`,
        { cause: error },
      );
    },
  );
  const downloaded = await cached();
  if (downloaded.length === 0) {
    throw new TestRegistryError(
      "TEST_REGISTRY_TOOL_FAILED",
      `apt-get download ${name}: no ${name}_*.deb in ${debsDir} afterwards`,
    );
  }
  return join(debsDir, downloaded.at(-1) ?? "");
}

interface CacheRecord {
  readonly image: BuiltImage;
  readonly debs: readonly string[];
}

function toLargeImage(layoutDir: string, record: CacheRecord): LargeImage {
  const layers = record.image.manifests[0]?.layers ?? [];
  return {
    layoutDir,
    name: IMAGE_NAME,
    reference: `oci:${layoutDir}:${IMAGE_NAME}`,
    image: record.image,
    debs: record.debs,
    sizeBytes: layers.reduce((sum, layer) => sum + layer.size, 0),
    uncompressedBytes: layers.reduce((sum, layer) => sum + layer.uncompressedSize, 0),
  };
}

/**
 * Builds (or finds in the cache) the benchmark image: one layer per Debian package.
 * @throws {TestRegistryError} `TEST_REGISTRY_TOOL_FAILED` (apt-get, dpkg-deb, tar, gzip), `TEST_REGISTRY_TOOL_MISSING`
 * @example
 * ```ts
 * const large = await buildLargeImage();
 * await copyLayoutToRegistry(large.layoutDir, large.name, registry);
 * ```
 */
export async function buildLargeImage(options: LargeImageOptions = {}): Promise<LargeImage> {
  const cacheDir = options.cacheDir ?? LARGE_IMAGE_DEFAULTS.cacheDir();
  const compression = options.compression ?? LARGE_IMAGE_DEFAULTS.compression;
  const debsDir = join(cacheDir, "debs");
  await mkdir(debsDir, { recursive: true });
  const debs: string[] = [];
  for (const name of options.packages ?? LARGE_IMAGE_DEFAULTS.packages)
    debs.push(await fetchDeb(name, debsDir, options.signal));
  const debNames = debs.map((deb) => deb.slice(debsDir.length + 1));
  const key = createHash("sha256")
    .update(JSON.stringify({ debNames, compression, BUILDER_VERSION }))
    .digest("hex")
    .slice(0, 16);
  const layoutDir = join(cacheDir, `large-image-${key}`);
  const recordPath = join(layoutDir, "ocikit-large-image.json");
  const existing = await readFile(recordPath, "utf8").catch(() => undefined); // absent: not built yet
  if (existing !== undefined) return toLargeImage(layoutDir, JSON.parse(existing) as CacheRecord);

  const work = await mkdtemp(join(cacheDir, ".build-"));
  try {
    const trees = debs.map((_, index) => join(work, `tree-${index}`));
    await Promise.all(
      debs.map((deb, index) =>
        runCommand("dpkg-deb", ["-x", deb, trees[index] ?? ""], {
          signal: options.signal,
          debianPackage: "dpkg",
        }),
      ),
    );
    const staged = join(work, "layout");
    await mkdir(staged);
    const layout = await buildLayout({
      dir: staged,
      images: [
        {
          name: IMAGE_NAME,
          layers: trees.map((directory) => ({ directory, compression })),
          config: {
            Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
            Labels: { "org.ocikit.bench.packages": debNames.join(" ") },
          },
        },
      ],
      signal: options.signal,
    });
    const record: CacheRecord = { image: layout.image(IMAGE_NAME), debs: debNames };
    await writeFile(join(staged, "ocikit-large-image.json"), JSON.stringify(record, null, 2));
    // Publish atomically; when another run got there first, its identical layout wins.
    await rename(staged, layoutDir).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOTEMPTY" && error.code !== "EEXIST") throw error;
      const complete = await readFile(recordPath, "utf8").then(
        () => true,
        () => false,
      );
      if (complete) return;
      // A layout left without its record by an older, interrupted run: replace it.
      await rm(layoutDir, { recursive: true, force: true });
      await rename(staged, layoutDir);
    });
    return toLargeImage(layoutDir, record);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
