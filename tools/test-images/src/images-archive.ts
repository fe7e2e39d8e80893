/**
 * The test images as one OCI layout tar, the form `ocikit cache import` and @ocikit/oci's
 * `importArchive` read: what every test and benchmark that boots them does first.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { buildTestImages } from "./test-images.js";

const run = promisify(execFile);

/**
 * Builds the test images (cached in `~/.cache/ocikit-test-images`) and writes their layout to the tar
 * `path` (GNU tar: `oci-layout`, `index.json`, `blobs/`); returns `path`.
 * @throws the errors of `buildTestImages`, or execFile's when tar fails
 * @example
 * const tar = await writeTestImagesArchive(join(work, "images.tar"));
 * await importArchive(createReadStream(tar), store, { source: tar });
 */
export async function writeTestImagesArchive(path: string): Promise<string> {
  const images = await buildTestImages();
  await run("tar", ["-C", images.layoutDir, "-cf", path, "oci-layout", "index.json", "blobs"]);
  return path;
}
