/**
 * Building the initrd's sections (linuxkit-reference.md §3.12): each section becomes one cpio
 * "newc" member, gzip-compressed unless asked otherwise, stored in the section cache; sections whose
 * key is cached are not built again. From the kernel section, `boot/kernel`, `boot/cmdline` and
 * `boot/ucode.cpio` are taken out (the kernel and microcode kept beside the member), every other
 * `boot/…` entry is dropped, and the `boot` directory entry itself stays, as in LinuxKit.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { FsEntry } from "@ocikit/fs";
import { ensureDir } from "@ocikit/fs";
import { type InitrdCompression, parallelGzipMember, writeNewc } from "@ocikit/initrd";
import { discardTemp, writeTemp } from "./atomic-file.js";
import type { PlannedSection } from "./plan.js";
import type { SectionCache } from "./section-cache.js";

/** A section's built parts, by path. */
export interface BuiltSection {
  readonly cpio: string;
  readonly kernel?: string;
  readonly ucode?: string;
  readonly cached: boolean;
  readonly entries: number;
  readonly ms: number;
}

export interface SectionBuildOptions {
  readonly cache: SectionCache;
  readonly compression: InitrdCompression;
}

/** Builds a section's member (or finds it in the cache). */
export async function buildInitrdSection(
  section: PlannedSection,
  options: SectionBuildOptions,
): Promise<BuiltSection> {
  const start = performance.now();
  const compressed = options.compression === "gzip";
  const { cache } = options;
  const isKernel = section.kind === "kernel";
  if (await cache.has(section.key, compressed)) {
    return {
      cpio: cache.path(section.key, "cpio", compressed),
      ...(isKernel ? await cachedBootFiles(cache, section.key) : {}),
      cached: true,
      entries: await cachedEntryCount(cache, section.key),
      ms: performance.now() - start,
    };
  }
  const scratch = join(cache.dir, "tmp");
  await ensureDir(scratch);
  const boot: { kernel?: string; ucode?: string } = {};
  let entries = 0;
  const counted = async function* (source: AsyncIterable<FsEntry>): AsyncIterable<FsEntry> {
    for await (const entry of source) {
      entries++;
      yield entry;
    }
  };
  const source = isKernel ? withoutBootFiles(section.entries(), scratch, boot) : section.entries();
  const cpio = writeNewc(counted(source));
  let temp: string | undefined;
  let count: string | undefined;
  let stored: string;
  let kernel: string | undefined;
  let ucode: string | undefined;
  try {
    temp = await writeTemp(scratch, section.key, compressed ? parallelGzipMember(cpio) : cpio);
    count = await writeTemp(scratch, `${section.key}.entries`, [Buffer.from(`${entries}\n`)]);
    // The cpio member goes last: its presence is what marks the section as built.
    await cache.store(count, section.key, "entries", false);
    if (boot.kernel) kernel = await cache.store(boot.kernel, section.key, "kernel", false);
    if (boot.ucode) ucode = await cache.store(boot.ucode, section.key, "ucode", false);
    stored = await cache.store(temp, section.key, "cpio", compressed);
  } catch (error) {
    for (const path of [temp, count, boot.kernel, boot.ucode]) if (path) await discardTemp(path);
    throw error;
  }
  return {
    cpio: stored,
    ...(kernel ? { kernel } : {}),
    ...(ucode ? { ucode } : {}),
    cached: false,
    entries,
    ms: performance.now() - start,
  };
}

/** The entry count stored beside a cached member; 0 if it cannot be read (it only informs). */
async function cachedEntryCount(cache: SectionCache, key: string): Promise<number> {
  try {
    const n = Number.parseInt(await readFile(cache.path(key, "entries"), "utf8"), 10);
    return Number.isSafeInteger(n) && n >= 0 ? n : 0;
  } catch {
    // Removed by hand: the count is for display only, the member is still good.
    return 0;
  }
}

async function cachedBootFiles(
  cache: SectionCache,
  key: string,
): Promise<{ kernel?: string; ucode?: string }> {
  const [kernel, ucode] = await Promise.all([cache.stored(key, "kernel"), cache.stored(key, "ucode")]);
  return { ...(kernel ? { kernel } : {}), ...(ucode ? { ucode } : {}) };
}

/** The kernel section's entries minus the boot files, whose bodies are saved to `scratch`. */
async function* withoutBootFiles(
  entries: AsyncIterable<FsEntry>,
  scratch: string,
  boot: { kernel?: string; ucode?: string },
): AsyncIterable<FsEntry> {
  for await (const entry of entries) {
    if (entry.path === "boot/kernel") boot.kernel = await writeTemp(scratch, "kernel", entry.body());
    else if (entry.path === "boot/ucode.cpio") boot.ucode = await writeTemp(scratch, "ucode", entry.body());
    else if (entry.path.startsWith("boot/")) continue;
    else yield entry;
  }
}
