import { mkdtemp, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { withFileLock } from "./file-lock.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ocikit-lock-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("withFileLock", () => {
  it("serialises critical sections and removes the lock afterwards", async () => {
    const lock = join(dir, "l");
    const order: string[] = [];
    await Promise.all(
      ["a", "b", "c"].map((id) =>
        withFileLock(lock, async () => {
          order.push(`${id}+`);
          await new Promise((r) => setTimeout(r, 20));
          order.push(`${id}-`);
        }),
      ),
    );
    for (let i = 0; i < order.length; i += 2) expect(order[i]?.[0]).toBe(order[i + 1]?.[0]);
    await expect(stat(lock)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("takes over a lock whose owner has exited", async () => {
    const lock = join(dir, "l");
    await writeFile(lock, "999999999\n");
    expect(await withFileLock(lock, async () => "ran", { timeoutMs: 1000 })).toBe("ran");
  });

  it("takes over a stale lock, and times out on a live one", async () => {
    const lock = join(dir, "l");
    await writeFile(lock, `${process.pid}\n`);
    await expect(withFileLock(lock, async () => "ran", { timeoutMs: 200 })).rejects.toMatchObject({
      code: "OCI_CACHE_LOCKED",
    });
    const old = new Date(Date.now() - 120_000);
    await utimes(lock, old, old);
    expect(await withFileLock(lock, async () => "ran", { timeoutMs: 1000 })).toBe("ran");
  });
});
