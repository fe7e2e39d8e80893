import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { writeTemp } from "./atomic-file.js";
import { clearSectionCache, SectionCache, sectionCacheDir } from "./section-cache.js";

it("stores finished parts under their key, and clearSectionCache empties it, temporaries included", async () => {
  const store = await mkdtemp(join(tmpdir(), "ocikit-sections-"));
  try {
    const cache = new SectionCache(sectionCacheDir(store));
    expect(await cache.has("k1", true)).toBe(false);
    const temp = await writeTemp(join(cache.dir, "tmp"), "k1", [new Uint8Array([1, 2])]);
    expect(await cache.store(temp, "k1", "cpio", true)).toBe(join(store, "sections", "k1.cpio.gz"));
    expect(await cache.has("k1", true)).toBe(true);
    expect(await cache.has("k1", false)).toBe(false);
    await mkdir(join(cache.dir, "tmp"), { recursive: true });
    await writeFile(join(cache.dir, "tmp", ".left-by-a-killed-build.tmp"), "x");

    await writeFile(join(store, "index.json"), "{}");
    await clearSectionCache(store);
    expect(await readdir(store)).toEqual(["index.json"]);
  } finally {
    await rm(store, { recursive: true, force: true });
  }
});
