/**
 * Built initrd sections, kept by key: each section of the root filesystem is one compressed cpio
 * member (`KEY.cpio.gz`, with its entry count in `KEY.entries`; the kernel's section also keeps
 * `KEY.kernel` and `KEY.ucode`), stored in
 * `sections/` beside the image cache. The initrd is the concatenation of its sections' members —
 * the kernel unpacks concatenated archives — so an edit rebuilds only the sections it changes.
 * Files are renamed into place whole; a key names its bytes, so concurrent builds may race harmlessly.
 */
import { access, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { ensureDir } from "@ocikit/fs";
import { settleTemp } from "./atomic-file.js";

/** `entries` holds the member's entry count in decimal, so a cached section can report it. */
export type SectionPart = "cpio" | "kernel" | "ucode" | "entries";

const SUFFIX: Readonly<Record<SectionPart, string>> = {
  cpio: ".cpio",
  kernel: ".kernel",
  ucode: ".ucode",
  entries: ".entries",
};

/** A directory of built sections. */
export class SectionCache {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Where a part of a section lives (`compressed` adds `.gz` to the cpio). */
  path(key: string, part: SectionPart, compressed = true): string {
    return join(this.dir, `${key}${SUFFIX[part]}${part === "cpio" && compressed ? ".gz" : ""}`);
  }

  /**
   * Whether the section's cpio member is there. It is stored last, after `.entries` and the kernel
   * section's `.kernel` and `.ucode`, so its presence means the section is complete.
   */
  async has(key: string, compressed: boolean): Promise<boolean> {
    return (await this.stored(key, "cpio", compressed)) !== undefined;
  }

  /** Where a part of a section is, if it is stored (the kernel section's `.kernel` and `.ucode`). */
  async stored(key: string, part: SectionPart, compressed = true): Promise<string | undefined> {
    const path = this.path(key, part, compressed);
    try {
      await access(path);
      return path;
    } catch {
      // Missing (or unreadable): the section is built again.
      return undefined;
    }
  }

  /** Moves a finished temporary file into the cache under its name. */
  async store(temp: string, key: string, part: SectionPart, compressed: boolean): Promise<string> {
    await ensureDir(this.dir);
    const path = this.path(key, part, compressed);
    await rename(temp, path);
    settleTemp(temp);
    return path;
  }

  /** Removes everything (`ocikit cache clean`). */
  async clear(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** The default section cache directory: `sections/` inside the image cache at `storeDir`. */
export function sectionCacheDir(storeDir: string): string {
  return join(storeDir, "sections");
}

/** Removes the section cache inside the image cache at `storeDir` (`ocikit cache clean`). */
export async function clearSectionCache(storeDir: string): Promise<void> {
  await new SectionCache(sectionCacheDir(storeDir)).clear();
}
