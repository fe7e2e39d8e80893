/**
 * The built CLI the benchmarks run as a user runs it (`node apps/cli/bin/ocikit.js`), and the step
 * the boot benchmarks share before they build: the test images (@ocikit/test-images) imported into
 * a fresh image cache with `ocikit cache import`.
 */
import { execFile } from "node:child_process";
import { rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { writeTestImagesArchive } from "@ocikit/test-images";

const run = promisify(execFile);

/** The repository's root (examples/ are read from it). */
export const REPO = resolve(import.meta.dirname, "../../..");
/** The built CLI's entry point; run it with `process.execPath`. */
export const CLI = join(REPO, "apps/cli/bin/ocikit.js");

/**
 * Builds the test images (cached) and imports them into a new cache `scratch/cache` with the built
 * CLI, through a tar in `scratch` removed afterwards; returns the cache's path.
 * @throws {Error} when the images cannot be built or the import fails (execFile's error)
 */
export async function importTestImages(scratch: string): Promise<string> {
  const tar = await writeTestImagesArchive(join(scratch, "images.tar"));
  const cache = join(scratch, "cache");
  await run(process.execPath, [CLI, "--cache", cache, "cache", "import", tar]);
  await rm(tar);
  return cache;
}
