/**
 * Volumes (linuxkit-reference.md §3.8): `containers/volumes/NAME/lower/` holding the image's files
 * (with the init-image filters), an OCI image layout of the image (`format: oci`), or nothing (a
 * blank volume); then `tmp/` and `merged/`, which LinuxKit's init mounts an overlay on at boot.
 */
import type { FsEntry } from "@ocikit/fs";
import { exportImage, flattenImage, type RawImage, readTar } from "@ocikit/oci";
import type { VolumeEntry } from "@ocikit/spec";
import { dirEntry, prefixDirs, restampEntry } from "./generated-entries.js";
import { filterImage } from "./image-filter.js";

/** `containers/volumes/NAME`. */
export function volumePath(name: string): string {
  return `containers/volumes/${name}`;
}

/** A volume's entries; `image` is undefined for a blank volume. */
export async function* volumeEntries(
  volume: VolumeEntry,
  image: RawImage | undefined,
): AsyncIterable<FsEntry> {
  const base = volumePath(volume.name);
  const lower = `${base}/lower`;
  yield* prefixDirs(lower);
  if (image && volume.format === "oci") {
    // The layout is data inside the image: its members keep their bytes, under lower/.
    for await (const entry of readTar(exportImage(image, "oci", { name: volume.image ?? image.ref }), {
      source: `volume ${volume.name}`,
    })) {
      if (entry.path === ".") continue;
      yield restampEntry(entry, `${lower}/${entry.path}`);
    }
  } else if (image) {
    yield* filterImage(flattenImage(image), { prefix: lower, resolvConf: "symlink" });
  }
  yield dirEntry(`${base}/tmp`);
  yield dirEntry(`${base}/merged`);
}
