/**
 * Creates a planned layer (layer-plan.ts) as files in a temporary directory for GNU tar to archive:
 * contents, symlinks, hardlinks, fifos, device nodes (root only), then modes and mtimes.
 */
import { createCipheriv, createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { chmod, link, lutimes, mkdir, symlink, utimes, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { TestRegistryError } from "./errors.js";
import type { GeneratedContents } from "./image-spec.js";
import type { PlannedEntry } from "./layer-plan.js";
import { runCommand } from "./run-command.js";

const badSpec = (message: string) => new TestRegistryError("TEST_REGISTRY_BAD_IMAGE_SPEC", message);

/** Writes the AES-256-CTR keystream of `seed`: incompressible, and the same for the same seed. */
async function writeGenerated(
  path: string,
  generated: GeneratedContents,
  fallbackSeed: string,
): Promise<void> {
  const key = createHash("sha256")
    .update(generated.seed ?? fallbackSeed)
    .digest();
  const cipher = createCipheriv("aes-256-ctr", key, Buffer.alloc(16));
  const chunk = Buffer.alloc(1 << 20);
  async function* keystream() {
    for (let left = generated.sizeBytes; left > 0; left -= chunk.length) {
      yield cipher.update(chunk.subarray(0, Math.min(chunk.length, left)));
    }
  }
  await pipeline(keystream, createWriteStream(path));
}

/**
 * Creates `entries` under `tree` as they will be archived; owners are left to tar.
 * @throws {TestRegistryError} `TEST_REGISTRY_BAD_IMAGE_SPEC` for a device node when not root
 */
export async function materialise(
  tree: string,
  entries: readonly PlannedEntry[],
  signal?: AbortSignal,
): Promise<void> {
  const at = (entry: PlannedEntry) => join(tree, entry.tarPath);
  for (const entry of entries) await mkdir(dirname(at(entry)), { recursive: true });
  for (const entry of entries) {
    const path = at(entry);
    if (entry.type === "dir") await mkdir(path, { recursive: true });
    else if (entry.type === "file") {
      const contents = entry.contents ?? "";
      if (typeof contents === "string" || contents instanceof Uint8Array) await writeFile(path, contents);
      else await writeGenerated(path, contents, entry.tarPath);
    } else if (entry.type === "symlink") await symlink(entry.linkTarget ?? "", path);
    else if (entry.type === "fifo")
      await runCommand("mkfifo", [path], { signal, debianPackage: "coreutils" });
    else if (entry.type === "char" || entry.type === "block") {
      if (process.getuid?.() !== 0) {
        throw badSpec(
          `layer entry "${entry.tarPath}": device nodes can only be made as root; run the test as root or drop the ${entry.type} device`,
        );
      }
      const kind = entry.type === "char" ? "c" : "b";
      await runCommand("mknod", [path, kind, String(entry.devMajor), String(entry.devMinor)], {
        signal,
        debianPackage: "coreutils",
      });
    }
  }
  for (const entry of entries) {
    if (entry.type === "hardlink") await link(join(tree, entry.linkTarget ?? ""), at(entry));
  }
  // Modes and times last: a read-only directory must stay writable until its children exist, and
  // creating a child changes its directory's mtime.
  for (const entry of entries) {
    if (entry.type !== "symlink" && entry.type !== "hardlink") await chmod(at(entry), entry.mode);
  }
  for (const entry of entries) {
    if (entry.type === "symlink") await lutimes(at(entry), entry.mtime, entry.mtime);
    else if (entry.type !== "hardlink") await utimes(at(entry), entry.mtime, entry.mtime);
  }
}
