/**
 * Builds one layer blob with GNU tar, the independent writer: the entries a test lists are planned
 * (layer-plan.ts), created in a temporary directory (layer-tree.ts) and archived by `tar` in that
 * order with fixed owners and mtimes, then compressed by `gzip -n` or `zstd`; digests and sizes come
 * from the files. Owners are given to tar (`--owner=UID`: a number that names no user is taken as a
 * UID), not set on disk, so no root is needed except for device nodes. A directory on disk can be
 * archived whole instead (every entry owned by root). Same spec, same bytes.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, rename, stat, unlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { TestRegistryError } from "./errors.js";
import { IMAGE_DEFAULTS, type LayerCompression, type LayerSpec, type TarFormat } from "./image-spec.js";
import { type PlannedEntry, planLayerEntries } from "./layer-plan.js";
import { materialise } from "./layer-tree.js";
import { runCommand } from "./run-command.js";

/** A layer blob in a layout's `blobs/sha256/`, before a media type is chosen for it. */
export interface LayerBlob {
  readonly compression: LayerCompression;
  readonly digest: string;
  readonly size: number;
  readonly diffId: string;
  readonly uncompressedSize: number;
}

const badSpec = (message: string) => new TestRegistryError("TEST_REGISTRY_BAD_IMAGE_SPEC", message);

function tarFormatArgs(format: TarFormat): string[] {
  // Records of one block: the archive ends right after its two zero blocks, as Go's archive/tar
  // writes it, instead of being padded to 10 KiB.
  const common = ["--blocking-factor=1"];
  // GNU tar's pax headers would otherwise carry atime/ctime and the process id: not reproducible.
  return format === "pax"
    ? [...common, "--format=pax", "--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime"]
    : [...common, `--format=${format}`];
}

/** Archives `entries` of `tree` into `tarPath`: one tar run per stretch of entries with the same owner. */
async function archiveEntries(
  tree: string,
  entries: readonly PlannedEntry[],
  tarPath: string,
  format: TarFormat,
  signal?: AbortSignal,
) {
  const runs: PlannedEntry[][] = [];
  for (const entry of entries) {
    const last = runs.at(-1);
    const head = last?.[0];
    if (last && head && head.uid === entry.uid && head.gid === entry.gid) last.push(entry);
    else runs.push([entry]);
  }
  if (runs.length === 0) runs.push([]);
  // GNU tar writes a hardlink entry only for a target it archived in the same run; otherwise it
  // would silently store a second copy.
  for (const run of runs) {
    for (const entry of run) {
      if (entry.type === "hardlink" && !run.some((other) => other.tarPath === entry.linkTarget)) {
        throw badSpec(
          `layer entry "${entry.tarPath}": entries owned by someone else sort between this hardlink and its target "${entry.linkTarget}"; move the hardlink next to its target`,
        );
      }
    }
  }
  // One archive per run, concatenated: `tar --append` would judge the archive's format from its
  // first entries and refuse ids past ustar's range (2097151) even with --format=pax.
  const parts: string[] = [];
  for (const [index, run] of runs.entries()) {
    const listPath = `${tarPath}.list${index}`;
    const partPath = `${tarPath}.part${index}`;
    await writeFile(listPath, run.map((entry) => `${entry.tarPath}\0`).join(""));
    const owner = run[0] ?? { uid: 0, gid: 0 };
    await runCommand(
      "tar",
      [
        "--create",
        `--file=${partPath}`,
        ...tarFormatArgs(format),
        "--numeric-owner",
        `--owner=${owner.uid}`,
        `--group=${owner.gid}`,
        "--no-recursion",
        `--directory=${tree}`,
        "--null",
        `--files-from=${listPath}`,
      ],
      { signal },
    );
    await unlink(listPath);
    parts.push(partPath);
  }
  await concatenateArchives(parts, tarPath);
}

// With a blocking factor of 1, GNU tar ends an archive with exactly two zero blocks and no padding.
const END_OF_ARCHIVE_BYTES = 1024;

/** Joins tar archives into one: every part but the last loses its end-of-archive blocks. */
async function concatenateArchives(parts: readonly string[], tarPath: string): Promise<void> {
  for (const [index, part] of parts.entries()) {
    const size = (await stat(part)).size;
    const end = index === parts.length - 1 ? size : size - END_OF_ARCHIVE_BYTES;
    const out = createWriteStream(tarPath, { flags: index === 0 ? "w" : "a" });
    // createReadStream's `end` is inclusive; an empty range still creates the file.
    await pipeline(end > 0 ? createReadStream(part, { end: end - 1 }) : [], out);
    await unlink(part);
  }
}

/** Archives all of `directory` into `tarPath`, owned by root, stamped with `mtime`, sorted by name. */
async function archiveDirectory(
  directory: string,
  tarPath: string,
  format: TarFormat,
  mtime: number,
  signal?: AbortSignal,
) {
  // The top-level names, not ".": layer entries read "usr/bin/x", not "./usr/bin/x", as docker's do.
  const names = (await readdir(directory)).sort();
  const listPath = `${tarPath}.list`;
  await writeFile(listPath, names.map((name) => `${name}\0`).join(""));
  await runCommand(
    "tar",
    [
      "--create",
      `--file=${tarPath}`,
      ...tarFormatArgs(format),
      "--sort=name",
      "--numeric-owner",
      "--owner=0",
      "--group=0",
      `--mtime=@${mtime}`,
      `--directory=${directory}`,
      "--null",
      `--files-from=${listPath}`,
    ],
    { signal },
  );
  await unlink(listPath);
}

/** `sha256:…` of a file's bytes, and its size. */
export async function digestFile(path: string): Promise<{ digest: string; size: number }> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return { digest: `sha256:${hash.digest("hex")}`, size: (await stat(path)).size };
}

async function compress(
  tarPath: string,
  compression: LayerCompression,
  signal?: AbortSignal,
): Promise<string> {
  if (compression === "gzip") {
    await runCommand("gzip", ["-n", "-6", "-k", "-f", tarPath], { signal });
    return `${tarPath}.gz`;
  }
  if (compression === "zstd") {
    await runCommand("zstd", ["-q", "-3", "-k", "-f", "--no-progress", "-o", `${tarPath}.zst`, tarPath], {
      signal,
    });
    return `${tarPath}.zst`;
  }
  return tarPath;
}

/** Moves (or copies, across file systems) `file` to `blobsDir/sha256/HEX` unless that blob exists. */
async function storeBlob(file: string, digest: string, blobsDir: string): Promise<void> {
  const target = join(blobsDir, "sha256", digest.slice("sha256:".length));
  await mkdir(dirname(target), { recursive: true });
  if (
    await stat(target).then(
      () => true,
      () => false,
    )
  )
    return;
  await rename(file, target).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== "EXDEV") throw error;
    await copyFile(file, target);
  });
}

/** Where {@link buildLayerBlob} works and writes. */
export interface LayerBuildContext {
  /** A scratch directory of this build (removed by the caller). */
  readonly workDir: string;
  /** The layout's `blobs` directory. */
  readonly blobsDir: string;
  readonly signal?: AbortSignal;
}

/**
 * Builds the blob of `layer` into the layout and returns its digests and sizes.
 * @throws {TestRegistryError} `TEST_REGISTRY_BAD_IMAGE_SPEC`, `TEST_REGISTRY_TOOL_MISSING`, `TEST_REGISTRY_TOOL_FAILED`
 */
export async function buildLayerBlob(layer: LayerSpec, context: LayerBuildContext): Promise<LayerBlob> {
  const scratch = await mkdtemp(join(context.workDir, "layer-"));
  const tarPath = join(scratch, "layer.tar");
  const format = layer.tarFormat ?? IMAGE_DEFAULTS.tarFormat;
  if ("directory" in layer) {
    await archiveDirectory(
      layer.directory,
      tarPath,
      format,
      layer.mtime ?? IMAGE_DEFAULTS.mtime,
      context.signal,
    );
  } else {
    const entries = planLayerEntries(layer);
    const tree = join(scratch, "tree");
    await mkdir(tree);
    await materialise(tree, entries, context.signal);
    await archiveEntries(tree, entries, tarPath, format, context.signal);
  }
  const compression = layer.compression ?? IMAGE_DEFAULTS.compression;
  const uncompressed = await digestFile(tarPath);
  const blobPath = await compress(tarPath, compression, context.signal);
  const blob = compression === "none" ? uncompressed : await digestFile(blobPath);
  await storeBlob(blobPath, blob.digest, context.blobsDir);
  return {
    compression,
    digest: blob.digest,
    size: blob.size,
    diffId: uncompressed.digest,
    uncompressedSize: uncompressed.size,
  };
}
