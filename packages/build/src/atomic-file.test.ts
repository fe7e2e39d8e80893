import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  concatFilesAtomic,
  discardTemp,
  removeUnfinishedFilesSync,
  settleTemp,
  writeFileAtomic,
  writeTemp,
} from "./atomic-file.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ocikit-atomic-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Yields one chunk, then waits until `release` is called, then fails or ends. */
function stalled(): { chunks: AsyncIterable<Uint8Array>; release: (fail: boolean) => void } {
  let release: (fail: boolean) => void = () => undefined;
  const gate = new Promise<boolean>((resolve) => {
    release = resolve;
  });
  return {
    chunks: (async function* () {
      yield new TextEncoder().encode("half");
      if (await gate) throw new Error("source failed");
    })(),
    release: (fail) => release(fail),
  };
}

async function waitForFiles(n: number): Promise<string[]> {
  for (let i = 0; i < 200; i++) {
    const names = await readdir(dir);
    if (names.length >= n) return names;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`no ${n} files in ${dir}`);
}

describe("writeFileAtomic", () => {
  it("writes under a temporary name, then renames; the final name never holds a partial file", async () => {
    const { chunks, release } = stalled();
    const writing = writeFileAtomic(join(dir, "out.img"), chunks);
    const [temp] = await waitForFiles(1);
    expect(temp).toMatch(/^\.out\.img\.\d+-[0-9a-f]{8}\.tmp$/);
    release(false);
    expect(await writing).toBe(4);
    expect(await readdir(dir)).toEqual(["out.img"]);
    expect(await readFile(join(dir, "out.img"), "utf8")).toBe("half");
  });

  it("removes the temporary file when the source fails", async () => {
    const { chunks, release } = stalled();
    const writing = writeFileAtomic(join(dir, "out.img"), chunks);
    await waitForFiles(1);
    release(true);
    await expect(writing).rejects.toThrow("source failed");
    expect(await readdir(dir)).toEqual([]);
  });
});

describe("concatFilesAtomic", () => {
  it("writes the files one after the other, larger than its buffer too", async () => {
    const big = Buffer.alloc(5 << 20, 7);
    await writeFile(join(dir, "a"), "first|");
    await writeFile(join(dir, "b"), big);
    await writeFile(join(dir, "c"), "|last");
    expect(
      await concatFilesAtomic(join(dir, "out", "all"), [join(dir, "a"), join(dir, "b"), join(dir, "c")]),
    ).toBe(6 + big.length + 5);
    const written = await readFile(join(dir, "out", "all"));
    // Buffer.equals: a deep toEqual of 5 MiB takes vitest seconds.
    expect(written.equals(Buffer.concat([Buffer.from("first|"), big, Buffer.from("|last")]))).toBe(true);
    expect(await concatFilesAtomic(join(dir, "one"), [join(dir, "c")])).toBe(5);
    expect(await concatFilesAtomic(join(dir, "none"), [])).toBe(0);
  });

  it("passes a missing source's error through and leaves nothing; a refused output is BUILD_OUTPUT", async () => {
    await writeFile(join(dir, "a"), "a");
    await expect(
      concatFilesAtomic(join(dir, "all"), [join(dir, "a"), join(dir, "gone")]),
    ).rejects.toMatchObject({
      code: "ENOENT",
      path: join(dir, "gone"),
    });
    await expect(concatFilesAtomic("/proc/ocikit-nope/all", [join(dir, "a")])).rejects.toMatchObject({
      code: "BUILD_OUTPUT",
    });
    expect(await readdir(dir)).toEqual(["a"]);
  });
});

describe("output errors", () => {
  it("names the output and the reason when the host refuses, and leaves nothing", async () => {
    await writeFile(join(dir, "file"), "");
    await expect(writeFileAtomic(join(dir, "file", "out.img"), [new Uint8Array(1)])).rejects.toMatchObject({
      code: "BUILD_OUTPUT",
      message: `cannot write ${join(dir, "file", "out.img")}: a parent is not a directory (ENOTDIR)`,
    });
    await expect(writeFileAtomic("/proc/ocikit-nope/out.img", [new Uint8Array(1)])).rejects.toMatchObject({
      code: "BUILD_OUTPUT",
      message: "cannot write /proc/ocikit-nope/out.img: the directory cannot be created there (ENOENT)",
    });
    expect(await readdir(dir)).toEqual(["file"]);
    expect(removeUnfinishedFilesSync()).toEqual([]);
  });

  it("lets the source's own error through", async () => {
    const { chunks, release } = stalled();
    const writing = writeFileAtomic(join(dir, "out.img"), chunks);
    await waitForFiles(1);
    release(true);
    await expect(writing).rejects.toThrow(/^source failed$/);
  });
});

describe("removeUnfinishedFilesSync", () => {
  it("removes the outputs and temporary files being written, and only those", async () => {
    const done = await writeTemp(dir, "done", [new Uint8Array([1])]);
    settleTemp(done); // as if renamed into the section cache
    const output = stalled();
    const section = stalled();
    const writingOutput = writeFileAtomic(join(dir, "out.img"), output.chunks);
    const writingSection = writeTemp(dir, "section", section.chunks);
    await waitForFiles(3);

    const removed = removeUnfinishedFilesSync();
    expect(removed).toHaveLength(2);
    expect(await readdir(dir)).toEqual([done.slice(dir.length + 1)]);
    expect(removeUnfinishedFilesSync()).toEqual([]);
    output.release(true);
    section.release(true);
    const settled = await Promise.allSettled([writingOutput, writingSection]);
    expect(settled.map((r) => r.status)).toEqual(["rejected", "rejected"]);
  });

  it("forgets a temporary file that was discarded", async () => {
    const temp = await writeTemp(dir, "x", [new Uint8Array([1])]);
    await discardTemp(temp);
    expect(await readdir(dir)).toEqual([]);
    expect(removeUnfinishedFilesSync()).toEqual([]);
  });
});
