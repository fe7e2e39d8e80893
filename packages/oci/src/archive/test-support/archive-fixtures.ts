/**
 * Test images for the archive tests: layers made by GNU tar from file trees written to disk (so the
 * bytes come from the real tool, not from our writer), compressed with gzip or zstd, stored with
 * their configs and manifests in an OCI layout; `docker save`-style archives assembled by GNU tar;
 * listings of flattened images for readable comparisons.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import type { FsEntry } from "@ocikit/fs";
import type { Digest } from "../../digest.js";
import { OciLayoutStore } from "../../layout-store.js";
import { MediaType } from "../../media-types.js";
import type { Descriptor, Platform } from "../../types.js";

/** A layer: path → file contents, or `null` for a directory. `.wh.NAME` files are whiteouts. */
export interface LayerSpec {
  readonly files: Readonly<Record<string, string | null>>;
  readonly compression?: "gzip" | "zstd" | "none";
}

/** A layer as built. */
export interface BuiltLayer {
  readonly blob: Buffer;
  readonly tar: Buffer;
  readonly descriptor: Descriptor;
  readonly diffId: Digest;
}

/** An image as stored. */
export interface BuiltImage {
  readonly descriptor: Descriptor;
  readonly manifestBytes: Buffer;
  readonly configBytes: Buffer;
  readonly config: Descriptor;
  readonly layers: readonly BuiltLayer[];
}

export const sha256 = (bytes: Uint8Array): Digest =>
  `sha256:${createHash("sha256").update(bytes).digest("hex")}` as Digest;
export const hexOf = (digest: string) => digest.slice("sha256:".length);

/** Runs a program with a fixed time zone; returns stdout; throws with stderr on failure. */
export function run(program: string, args: readonly string[], input?: Uint8Array): Buffer {
  return execFileSync(program, args, {
    input,
    env: { ...process.env, TZ: "UTC", LC_ALL: "C.UTF-8" },
    maxBuffer: 1 << 28,
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** A temporary directory and its removal. */
export function tempDir(prefix = "ocikit-archive-"): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Writes a file tree: path → contents, `null` for a directory. */
export function writeTree(root: string, files: Readonly<Record<string, string | null>>): void {
  mkdirSync(root, { recursive: true });
  for (const [path, contents] of Object.entries(files)) {
    if (contents === null) mkdirSync(join(root, path), { recursive: true });
    else {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), contents);
    }
  }
}

/** GNU tar of a directory, reproducible (sorted, owner 0, fixed mtime). */
export function tarDirectory(dir: string, extra: readonly string[] = []): Buffer {
  return run("tar", [
    "--sort=name",
    "--mtime=@1700000000",
    "--owner=0",
    "--group=0",
    "--numeric-owner",
    "--format=pax",
    "--pax-option=delete=atime,delete=ctime",
    ...extra,
    "-C",
    dir,
    "-cf",
    "-",
    ".",
  ]);
}

const LAYER_TYPES = {
  gzip: MediaType.ociLayerGzip,
  zstd: MediaType.ociLayerZstd,
  none: MediaType.ociLayer,
} as const;

/** Builds a layer blob with GNU tar (and gzip or zstd). */
export function buildLayer(work: string, spec: LayerSpec): BuiltLayer {
  const dir = mkdtempSync(join(work, "layer-"));
  chmodSync(dir, 0o755);
  writeTree(dir, spec.files);
  const tar = tarDirectory(dir);
  const compression = spec.compression ?? "gzip";
  const blob =
    compression === "gzip"
      ? gzipSync(tar)
      : compression === "zstd"
        ? run("zstd", ["-q", "-c", "-"], tar)
        : tar;
  return {
    blob,
    tar,
    diffId: sha256(tar),
    descriptor: { mediaType: LAYER_TYPES[compression], digest: sha256(blob), size: blob.length },
  };
}

/** Stores an image (layers, config, OCI manifest) in `store`; names it when `name` is given. */
export async function storeImage(
  store: OciLayoutStore,
  work: string,
  options: { name?: string; layers: readonly LayerSpec[]; platform?: Platform; cmd?: readonly string[] },
): Promise<BuiltImage> {
  const platform = options.platform ?? { os: "linux", architecture: "amd64" };
  const layers = options.layers.map((spec) => buildLayer(work, spec));
  for (const layer of layers) await store.writeBytes(layer.blob, layer.descriptor.mediaType);
  const configBytes = Buffer.from(
    JSON.stringify({
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      config: { Cmd: options.cmd ?? ["/bin/sh"], Env: ["PATH=/bin"] },
      rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
    }),
  );
  const config = await store.writeBytes(configBytes, MediaType.ociConfig);
  // Pretty-printed on purpose: a re-encoded manifest would have another digest.
  const manifestBytes = Buffer.from(
    JSON.stringify(
      { schemaVersion: 2, mediaType: MediaType.ociManifest, config, layers: layers.map((l) => l.descriptor) },
      null,
      3,
    ),
  );
  const descriptor = await store.writeBytes(manifestBytes, MediaType.ociManifest);
  if (options.name) await store.setName(options.name, descriptor);
  return { descriptor, manifestBytes, configBytes, config, layers };
}

/** Stores a two-or-more-platform index of images and names it. */
export async function storeIndex(
  store: OciLayoutStore,
  work: string,
  name: string,
  images: readonly { platform: Platform; layers: readonly LayerSpec[] }[],
): Promise<{ descriptor: Descriptor; images: BuiltImage[] }> {
  const built: BuiltImage[] = [];
  for (const image of images) built.push(await storeImage(store, work, image));
  const index = {
    schemaVersion: 2,
    mediaType: MediaType.ociIndex,
    manifests: built.map((b, i) => ({ ...b.descriptor, platform: images[i]?.platform })),
  };
  const descriptor = await store.writeBytes(Buffer.from(JSON.stringify(index)), MediaType.ociIndex);
  await store.setName(name, descriptor);
  return { descriptor, images: built };
}

/** A fresh OCI layout directory. */
export async function newLayout(dir: string): Promise<OciLayoutStore> {
  return OciLayoutStore.open(dir, { create: true });
}

/** A docker save archive: files laid out in a directory (links as `{ symlink }`), then GNU tar. */
export function dockerSaveTar(
  work: string,
  files: Readonly<Record<string, Uint8Array | string | { symlink: string }>>,
): Buffer {
  const dir = mkdtempSync(join(work, "save-"));
  for (const [path, contents] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    if (typeof contents === "object" && "symlink" in contents)
      run("ln", ["-s", contents.symlink, join(dir, path)]);
    else writeFileSync(join(dir, path), contents);
  }
  return tarDirectory(dir);
}

/** An `ls`-like listing of flattened entries: `path type mode uid:gid size [-> target] [sha]`. */
export async function listing(entries: AsyncIterable<FsEntry>): Promise<string[]> {
  const lines: string[] = [];
  for await (const entry of entries) {
    const hash = createHash("sha256");
    for await (const chunk of entry.body()) hash.update(chunk);
    const target = entry.linkTarget === undefined ? "" : ` -> ${entry.linkTarget}`;
    const sum = entry.type === "file" ? ` ${hash.digest("hex").slice(0, 12)}` : "";
    lines.push(
      `${entry.path} ${entry.type} ${entry.mode.toString(8)} ${entry.uid}:${entry.gid} ${entry.size}${target}${sum}`,
    );
  }
  return lines.sort();
}

/** Concatenates a stream. */
export async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

/** A stream of `bytes` in pieces of `size` bytes, as standard input would deliver them. */
export async function* chunked(bytes: Uint8Array, size = 4096): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
