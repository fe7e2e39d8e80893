import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { createGunzip, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countNewc } from "./newc-count.js";

// Archives made by GNU cpio, the tool the benchmark compares with.
let dir: string;
let archive: Buffer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "newc-count-"));
  await mkdir(join(dir, "etc"));
  await writeFile(join(dir, "etc", "motd"), "hello\n");
  await writeFile(join(dir, "big"), Buffer.alloc(70_001, 7));
  await symlink("etc/motd", join(dir, "link"));
  // ".", etc, etc/motd, big, link
  archive = execFileSync("sh", ["-c", "find . | cpio -o -H newc --quiet"], { cwd: dir });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function* chunked(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

describe("countNewc", () => {
  it.each([1, 7, 110, 4096, 1 << 20])("counts one archive read in chunks of %i bytes", async (size) => {
    expect(await countNewc(chunked(archive, size))).toEqual({
      entries: 5,
      archives: 1,
      dataBytes: 6 + 70_001 + "etc/motd".length,
      totalBytes: archive.length,
    });
  });

  it("counts concatenated archives with zero padding between them, as an initrd holds", async () => {
    const initrd = Buffer.concat([archive, Buffer.alloc(512), archive]);
    const count = await countNewc(chunked(initrd, 1000));
    expect([count.entries, count.archives]).toEqual([10, 2]);
  });

  it("reads concatenated gzip members after node's gunzip", async () => {
    const members = Buffer.concat([gzipSync(archive), gzipSync(archive), gzipSync(archive)]);
    const count = await countNewc(Readable.from([members]).pipe(createGunzip()));
    expect(count.entries).toBe(15);
  });

  it.each([
    ["a header that is not newc", () => Buffer.from("x".repeat(200))],
    ["an input cut inside an entry", () => archive.subarray(0, 300)],
  ])("refuses %s", async (_, bytes) => {
    await expect(countNewc(chunked(bytes(), 64))).rejects.toThrow();
  });
});
