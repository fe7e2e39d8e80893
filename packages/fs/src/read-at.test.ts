import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { readAt } from "./read-at.js";

it("reads the bytes at a position, and fewer only at the file's end", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ocikit-read-at-"));
  try {
    await writeFile(join(dir, "f"), "0123456789");
    const handle = await open(join(dir, "f"));
    try {
      expect(Buffer.from(await readAt(handle, 2, 3)).toString()).toBe("234");
      expect(Buffer.from(await readAt(handle, 8, 5)).toString()).toBe("89");
      expect(await readAt(handle, 20, 4)).toHaveLength(0);
    } finally {
      await handle.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
