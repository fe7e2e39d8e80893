/**
 * What a test needs to put a root filesystem together by hand, without ocikit's build pipeline:
 * unpack an image of an OCI layout with GNU tar (layer by layer; these images have no whiteouts),
 * read its config, and pack a directory into a gzip'd newc initrd with GNU cpio. The independent
 * tools are the point: a boot that works proves the images, not ocikit's own readers and writers.
 * Unpacking as root keeps owners, modes and device nodes; as another user, owners become that user.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type ContainerConfig, REF_NAME_ANNOTATION } from "@ocikit/test-registry";
import { TestImagesError } from "./errors.js";
import { makeDir } from "./image-tree.js";
import { runCommand } from "./run-command.js";

interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

interface Manifest {
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
}

function blobPath(layoutDir: string, digest: string): string {
  return join(layoutDir, "blobs", "sha256", digest.replace(/^sha256:/, ""));
}

async function readManifest(layoutDir: string, name: string): Promise<Manifest> {
  const index = JSON.parse(await readFile(join(layoutDir, "index.json"), "utf8")) as {
    manifests: readonly Descriptor[];
  };
  const entry = index.manifests.find((manifest) => manifest.annotations?.[REF_NAME_ANNOTATION] === name);
  if (!entry)
    throw new TestImagesError(
      "TEST_IMAGES_PACKAGE",
      `${layoutDir}: no image named "${name}"; build the test images first (buildTestImages)`,
    );
  return JSON.parse(await readFile(blobPath(layoutDir, entry.digest), "utf8")) as Manifest;
}

/**
 * Unpacks the image `name` (its layout ref name) of the OCI layout `layoutDir` into `dest`.
 * @throws {TestImagesError} `TEST_IMAGES_PACKAGE` (no such image), `TEST_IMAGES_TOOL_FAILED` (tar)
 */
export async function unpackLayoutImage(
  layoutDir: string,
  name: string,
  dest: string,
  signal?: AbortSignal,
): Promise<void> {
  const manifest = await readManifest(layoutDir, name);
  await makeDir(dest, ".");
  for (const layer of manifest.layers) {
    await runCommand(
      "tar",
      [
        "--extract",
        "--gzip",
        "--numeric-owner",
        `--file=${blobPath(layoutDir, layer.digest)}`,
        `--directory=${dest}`,
      ],
      { signal },
    );
  }
}

/**
 * The `config` object (Cmd, Env, Labels…) of the image `name` of the OCI layout `layoutDir`.
 * @throws {TestImagesError} `TEST_IMAGES_PACKAGE` when there is no such image
 */
export async function readLayoutImageConfig(layoutDir: string, name: string): Promise<ContainerConfig> {
  const manifest = await readManifest(layoutDir, name);
  const config = JSON.parse(await readFile(blobPath(layoutDir, manifest.config.digest), "utf8")) as {
    config?: ContainerConfig;
  };
  return config.config ?? {};
}

/**
 * Packs `rootDir` into a gzip'd cpio "newc" initrd at `initrdPath` with GNU cpio, names sorted,
 * every entry owned by root.
 * @throws {TestImagesError} `TEST_IMAGES_TOOL_MISSING` (cpio), `TEST_IMAGES_TOOL_FAILED`
 */
export async function packInitrd(rootDir: string, initrdPath: string, signal?: AbortSignal): Promise<void> {
  const script =
    'set -eu -o pipefail; cd "$1"; find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 | gzip -n -1 >"$2"';
  await runCommand("bash", ["-c", script, "pack-initrd", rootDir, initrdPath], {
    signal,
    debianPackage: "cpio",
  });
}
