/**
 * `buildTestImages`: builds the test images (image-definitions.ts) into an OCI image layout, from
 * Debian packages and the repository's rootfs/ files, reproducibly (fixed mtimes and owners, sorted
 * tar members, `gzip -n`: the same inputs give the same digests) and cached: the layout is kept in
 * the cache directory under a key made of the .deb file names and a hash of the builder's sources
 * and rootfs/ files, so a second call only reads a small JSON record. Layers are written by
 * test-registry's layout builder (GNU tar), not by ocikit's code under test.
 */
import { createHash, type Hash } from "node:crypto";
import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { homedir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { assert } from "@ocikit/errors";
import { buildLayout, type DirectoryLayerSpec, type ImageSpec } from "@ocikit/test-registry";
import { extractDeb, fetchDebs, metapackageTarget } from "./debian-packages.js";
import { TestImagesError } from "./errors.js";
import {
  BUSYBOX_LAYER_DIRS,
  BUSYBOX_PACKAGE,
  IMAGE_DEFINITIONS,
  type ImageDefinition,
  KERNEL_METAPACKAGE,
  MOBY_CONFIG_LABEL,
  TEST_IMAGE_NAMES,
  TEST_IMAGE_ROLES,
  type TestImageRole,
} from "./image-definitions.js";
import {
  addBusyboxApplets,
  addSharedLibraries,
  copyDataTree,
  copyFromPackages,
  makeDir,
} from "./image-tree.js";
import { stageKernelImage } from "./kernel-image.js";

/** Options of {@link buildTestImages}. */
export interface BuildTestImagesOptions {
  /** Where .debs and built layouts are kept; default: TEST_IMAGES_DEFAULTS.cacheDir(). */
  readonly cacheDir?: string;
  /** Default: "amd64", the only one supported (the builder runs the image's busybox). */
  readonly arch?: string;
  readonly signal?: AbortSignal;
}

/** Defaults of {@link BuildTestImagesOptions}. */
export const TEST_IMAGES_DEFAULTS = {
  /** `~/.cache/ocikit-test-images`. */
  cacheDir: () => join(homedir(), ".cache", "ocikit-test-images"),
  arch: "amd64",
  /** Modification time of every layer and kernel.tar member: 2023-11-14T22:13:20Z. */
  mtime: 1_700_000_000,
} as const;

/** The built images. */
export interface TestImages {
  /** The OCI image layout holding them (in the cache: don't modify it). */
  readonly layoutDir: string;
  /** Each role's name in the layout, e.g. `ocikit-test/init:1`: use `oci:LAYOUT:NAME`, or push them. */
  readonly refs: Readonly<Record<TestImageRole, string>>;
  /** Each role's manifest digest. */
  readonly digests: Readonly<Record<TestImageRole, string>>;
  /** The kernel's release, `6.1.0-56-amd64` (its modules are under /lib/modules/RELEASE). */
  readonly kernelRelease: string;
  /** The names of the kernel modules in kernel.tar, sorted. */
  readonly kernelModules: readonly string[];
  /** The .deb files the images were made of. */
  readonly packages: readonly string[];
}

type CacheRecord = Omit<TestImages, "layoutDir">;

// Bump when the layout's shape changes in a way the source hash below does not see.
const BUILDER_VERSION = 1;
const RECORD_FILE = "ocikit-test-images.json";
// The sources that decide the images' bytes: a change to one of them (or to rootfs/) rebuilds.
const BUILDER_SOURCES = [
  "debian-packages.ts",
  "elf.ts",
  "image-definitions.ts",
  "image-tree.ts",
  "kernel-image.ts",
  "kernel-modules.ts",
  "test-images.ts",
];
const PACKAGE_ROOT = fileURLToPath(new URL("..", import.meta.url));
const TRIPLETS: Readonly<Record<string, string>> = { amd64: "x86_64-linux-gnu" };

/** Feeds `hash` with each file under `dir` (relative path, executable bit, bytes), in name order. */
async function hashTree(dir: string, hash: Hash, root = dir): Promise<void> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await hashTree(path, hash, root);
    else {
      const executable = ((await stat(path)).mode & 0o100) !== 0;
      hash.update(`${relative(root, path)}\0${executable}\0`).update(await readFile(path));
    }
  }
}

async function cacheKey(arch: string, debs: readonly string[]): Promise<string> {
  const hash = createHash("sha256").update(JSON.stringify({ BUILDER_VERSION, arch, debs }));
  await hashTree(join(PACKAGE_ROOT, "rootfs"), hash);
  for (const source of BUILDER_SOURCES)
    hash.update(`${source}\0`).update(await readFile(join(PACKAGE_ROOT, "src", source)));
  return hash.digest("hex").slice(0, 16);
}

function debName(path: string): string {
  return path.split("/").at(-1) ?? path;
}

/** Stages one image's own layer (everything but busybox) into `dest`. */
async function stageImage(
  definition: ImageDefinition,
  dest: string,
  unpacked: ReadonlyMap<string, string>,
  triplet: string,
): Promise<void> {
  await makeDir(dest, ".");
  const roots = definition.packages.map((name) => {
    const root = unpacked.get(name);
    assert(root, `package ${name} was fetched and unpacked before the images are staged`);
    return root;
  });
  for (const file of definition.files) await copyFromPackages(roots, file, dest);
  await addSharedLibraries(dest, definition.binaries, roots, triplet);
  if (definition.data) await copyDataTree(join(PACKAGE_ROOT, "rootfs", definition.data), dest);
  for (const [path, mode] of Object.entries(definition.dirs ?? {})) await makeDir(dest, path, mode);
  for (const [path, target] of Object.entries(definition.symlinks ?? {})) {
    await makeDir(dest, join(path, ".."));
    await symlink(target, join(dest, path));
  }
  for (const [path, mode] of Object.entries(definition.modes ?? {})) await chmod(join(dest, path), mode);
}

/** Builds every image into a fresh layout at `layoutDir`; returns the record to cache. */
async function buildAll(
  work: string,
  layoutDir: string,
  debs: ReadonlyMap<string, string>,
  options: { arch: string; signal?: AbortSignal },
): Promise<CacheRecord> {
  const triplet = TRIPLETS[options.arch] ?? "";
  const unpacked = new Map<string, string>();
  for (const [name, deb] of debs) {
    if (name === KERNEL_METAPACKAGE || name.startsWith("linux-image-")) continue;
    const dir = join(work, "debs", name);
    await extractDeb(deb, dir, options.signal);
    unpacked.set(name, dir);
  }
  const kernelDeb = [...debs].find(
    ([name]) => name.startsWith("linux-image-") && name !== KERNEL_METAPACKAGE,
  );
  const kernelDir = join(work, "layers", "kernel");
  const kernel = await stageKernelImage({
    deb: kernelDeb?.[1] ?? "",
    work: join(work, "kernel"),
    dest: kernelDir,
    mtime: TEST_IMAGES_DEFAULTS.mtime,
    signal: options.signal,
  });

  const busyboxDir = join(work, "layers", "busybox");
  await copyFromPackages([unpacked.get(BUSYBOX_PACKAGE) ?? ""], "bin/busybox", busyboxDir);
  await addBusyboxApplets(busyboxDir, options.signal);
  for (const [path, mode] of Object.entries(BUSYBOX_LAYER_DIRS)) await makeDir(busyboxDir, path, mode);

  const layer = (directory: string): DirectoryLayerSpec => ({
    directory,
    compression: "gzip",
    mtime: TEST_IMAGES_DEFAULTS.mtime,
  });
  const busyboxLayer = layer(busyboxDir);
  const packagesLabel = (names: readonly string[]) => ({
    "org.ocikit.test-images.packages": names.map((name) => debName(debs.get(name) ?? name)).join(" "),
  });
  const images: ImageSpec[] = [
    {
      name: TEST_IMAGE_NAMES.kernel,
      layers: [layer(kernelDir)],
      config: { Labels: packagesLabel([...debs.keys()].filter((name) => name.startsWith("linux-image-"))) },
    },
  ];
  for (const role of TEST_IMAGE_ROLES) {
    if (role === "kernel") continue;
    const definition = IMAGE_DEFINITIONS[role];
    const dir = join(work, "layers", role);
    await stageImage(definition, dir, unpacked, triplet);
    const labels = {
      ...packagesLabel([...(definition.busybox ? [BUSYBOX_PACKAGE] : []), ...definition.packages]),
      ...(definition.label ? { [MOBY_CONFIG_LABEL]: JSON.stringify(definition.label) } : {}),
    };
    images.push({
      name: TEST_IMAGE_NAMES[role],
      layers: definition.busybox ? [busyboxLayer, layer(dir)] : [layer(dir)],
      config: { ...definition.config, Labels: labels },
    });
  }
  const layout = await buildLayout({ dir: layoutDir, images, signal: options.signal });
  const digests = Object.fromEntries(
    TEST_IMAGE_ROLES.map((role) => [role, layout.image(TEST_IMAGE_NAMES[role]).digest]),
  ) as Record<TestImageRole, string>;
  return {
    refs: { ...TEST_IMAGE_NAMES },
    digests,
    kernelRelease: kernel.release,
    kernelModules: kernel.modules.map((module) => module.name).sort(),
    packages: [...debs.values()].map(debName).sort(),
  };
}

/** Every package the images need, the kernel's resolved through its metapackage. */
async function fetchAllDebs(debsDir: string, signal?: AbortSignal): Promise<Map<string, string>> {
  const names = [
    BUSYBOX_PACKAGE,
    KERNEL_METAPACKAGE,
    ...Object.values(IMAGE_DEFINITIONS).flatMap((definition) => definition.packages),
  ];
  const debs = await fetchDebs(names, { debsDir, signal });
  const kernelSpec = await metapackageTarget(debs.get(KERNEL_METAPACKAGE) ?? "", signal);
  const kernel = await fetchDebs([kernelSpec], { debsDir, signal });
  debs.set(kernelSpec.split("=")[0] ?? kernelSpec, kernel.get(kernelSpec) ?? "");
  return debs;
}

/**
 * Builds the test images (or finds them in the cache) and returns where they are.
 * @throws {TestImagesError} `TEST_IMAGES_UNSUPPORTED_ARCH`, `TEST_IMAGES_PACKAGE`, `TEST_IMAGES_DEPENDENCY_MISSING`,
 *   `TEST_IMAGES_TOOL_MISSING`, `TEST_IMAGES_TOOL_FAILED`
 * @example
 * ```ts
 * const { layoutDir, refs } = await buildTestImages();
 * // skopeo inspect oci:${layoutDir}:${refs.init}, or pushTestImages(registry)
 * ```
 */
export async function buildTestImages(options: BuildTestImagesOptions = {}): Promise<TestImages> {
  const arch = options.arch ?? TEST_IMAGES_DEFAULTS.arch;
  if (!TRIPLETS[arch])
    throw new TestImagesError(
      "TEST_IMAGES_UNSUPPORTED_ARCH",
      `test images for ${arch}: not supported; only amd64 can be built (the builder runs the image's busybox)`,
    );
  const cacheDir = options.cacheDir ?? TEST_IMAGES_DEFAULTS.cacheDir();
  const debs = await fetchAllDebs(join(cacheDir, "debs"), options.signal);
  const key = await cacheKey(arch, [...debs.values()].map(debName).sort());
  const layoutDir = join(cacheDir, `layout-${key}`);
  const recordPath = join(layoutDir, RECORD_FILE);
  const cached = await readFile(recordPath, "utf8").catch(() => undefined); // absent: not built yet
  if (cached !== undefined) return { layoutDir, ...(JSON.parse(cached) as CacheRecord) };

  await mkdir(cacheDir, { recursive: true });
  const work = await mkdtemp(join(cacheDir, ".build-"));
  try {
    const staged = join(work, "layout");
    const record = await buildAll(work, staged, debs, { arch, signal: options.signal });
    await writeFile(join(staged, RECORD_FILE), JSON.stringify(record, null, 2));
    // Another process may have built the same key meanwhile: its layout has the same bytes.
    await rename(staged, layoutDir).catch(async (error: NodeJS.ErrnoException) => {
      if (!["ENOTEMPTY", "EEXIST"].includes(error.code ?? "")) throw error;
    });
    return { layoutDir, ...record };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
