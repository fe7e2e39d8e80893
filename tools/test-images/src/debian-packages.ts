/**
 * Debian packages as the images' raw material: `.deb` files fetched once with `apt-get download`
 * (network to the Debian mirror only) into a cache directory and reused from there ever after, so an
 * image does not change when the mirror or the host's installed packages do; and their contents read
 * with `dpkg-deb` (whole, or only some members, piped into GNU tar). Nothing is installed: no
 * maintainer scripts run.
 */
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { TestImagesError } from "./errors.js";
import { runCommand, runPipeline } from "./run-command.js";

/** Where .debs are kept and fetched. */
export interface DebCache {
  /** Directory of cached .deb files. */
  readonly debsDir: string;
  readonly signal?: AbortSignal;
}

/** A package request: a name, optionally pinned to a version (`linux-image-6.1.0-56-amd64=6.1.192-2`). */
export type PackageSpec = string;

/** The file-name prefix of a package's .debs: `NAME_VERSION_` with the epoch's `:` written `%3a`. */
function debPrefix(spec: PackageSpec): string {
  const [name, version] = spec.split("=");
  return version === undefined ? `${name}_` : `${name}_${version.replace(":", "%3a")}_`;
}

async function cachedDebs(debsDir: string, spec: PackageSpec): Promise<string[]> {
  const prefix = debPrefix(spec);
  return (await readdir(debsDir)).filter((file) => file.startsWith(prefix) && file.endsWith(".deb")).sort();
}

/**
 * The cached .deb of each of `specs`, downloading the missing ones with one `apt-get download`.
 * With several cached versions of an unpinned package, the last by name is taken.
 * @throws {TestImagesError} `TEST_IMAGES_PACKAGE` when apt-get cannot download them, `TEST_IMAGES_TOOL_MISSING`
 */
export async function fetchDebs(
  specs: readonly PackageSpec[],
  cache: DebCache,
): Promise<Map<PackageSpec, string>> {
  await mkdir(cache.debsDir, { recursive: true });
  const paths = new Map<PackageSpec, string>();
  const missing: PackageSpec[] = [];
  for (const spec of new Set(specs)) {
    const found = (await cachedDebs(cache.debsDir, spec)).at(-1);
    if (found) paths.set(spec, join(cache.debsDir, found));
    else missing.push(spec);
  }
  if (missing.length === 0) return paths;
  // apt-get writes straight into its working directory: download into a directory of our own and
  // rename, so that two processes filling one cache never see half a file.
  const scratch = await mkdtemp(join(cache.debsDir, ".download-"));
  try {
    await runCommand("apt-get", ["download", ...missing], {
      cwd: scratch,
      signal: cache.signal,
      debianPackage: "apt",
    }).catch((error: unknown) => {
      if (error instanceof TestImagesError && error.code !== "TEST_IMAGES_TOOL_FAILED") throw error;
      throw new TestImagesError(
        "TEST_IMAGES_PACKAGE",
        `apt-get download ${missing.join(" ")}: failed; run "apt-get update" (as root) if the package lists are missing or stale, and check that the Debian mirror is reachable`,
        { cause: error },
      );
    });
    for (const file of await readdir(scratch)) await rename(join(scratch, file), join(cache.debsDir, file));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  for (const spec of missing) {
    const found = (await cachedDebs(cache.debsDir, spec)).at(-1);
    if (!found)
      throw new TestImagesError(
        "TEST_IMAGES_PACKAGE",
        `apt-get download ${spec}: no ${debPrefix(spec)}*.deb in ${cache.debsDir} afterwards`,
      );
    paths.set(spec, join(cache.debsDir, found));
  }
  return paths;
}

/**
 * The package a metapackage stands for, pinned: for `linux-image-amd64` the first package of its
 * `Depends`, e.g. `linux-image-6.1.0-56-amd64=6.1.192-2`.
 * @throws {TestImagesError} `TEST_IMAGES_PACKAGE` when the field has no pinned first dependency
 */
export async function metapackageTarget(deb: string, signal?: AbortSignal): Promise<PackageSpec> {
  const { stdout } = await runCommand("dpkg-deb", ["--field", deb, "Depends"], {
    signal,
    debianPackage: "dpkg",
  });
  const match = /^\s*([a-z0-9][a-z0-9+.-]*)\s*\(=\s*([^)\s]+)\s*\)/.exec(stdout);
  if (!match)
    throw new TestImagesError(
      "TEST_IMAGES_PACKAGE",
      `${deb}: Depends is "${stdout.trim()}"; expected a metapackage whose first dependency is pinned with "(= VERSION)"`,
    );
  return `${match[1]}=${match[2]}`;
}

/** Unpacks the whole data archive of `deb` into `dir` (`dpkg-deb -x`). */
export async function extractDeb(deb: string, dir: string, signal?: AbortSignal): Promise<void> {
  await mkdir(dir, { recursive: true });
  await runCommand("dpkg-deb", ["-x", deb, dir], { signal, debianPackage: "dpkg" });
}

/** The member names of `deb`'s data archive as tar lists them (`./boot/vmlinuz-…`). */
export async function listDeb(deb: string, signal?: AbortSignal): Promise<string[]> {
  const { stdout } = await runPipeline(
    { program: "dpkg-deb", args: ["--fsys-tarfile", deb], debianPackage: "dpkg" },
    { program: "tar", args: ["--list"] },
    { signal },
  );
  return stdout.split("\n").filter(Boolean);
}

/**
 * Unpacks only `members` (names as {@link listDeb} gives them) of `deb`'s data archive into `dir`:
 * a kernel package holds 400 MB of modules, of which a test needs a few.
 */
export async function extractDebMembers(
  deb: string,
  dir: string,
  members: readonly string[],
  signal?: AbortSignal,
): Promise<void> {
  if (members.length === 0) return;
  await mkdir(dir, { recursive: true });
  const listPath = join(dir, ".members");
  await writeFile(listPath, members.map((member) => `${member}\0`).join(""));
  try {
    await runPipeline(
      { program: "dpkg-deb", args: ["--fsys-tarfile", deb], debianPackage: "dpkg" },
      {
        program: "tar",
        args: ["--extract", `--directory=${dir}`, "--null", `--files-from=${listPath}`, "--no-recursion"],
      },
      { signal },
    );
  } finally {
    await rm(listPath, { force: true });
  }
}
