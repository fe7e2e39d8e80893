import { linkSync, mkdirSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { entryFromBytes, type FsEntry } from "@ocikit/fs";
import { afterAll, describe, expect, it } from "vitest";
import { writeTar } from "../tar-writer.js";
import { TarIndex } from "./tar-index.js";
import { collect, run, tempDir, writeTree } from "./test-support/archive-fixtures.js";

const temp = tempDir();
afterAll(() => temp.remove());

let serial = 0;
function archiveOf(files: Record<string, string | null>, format: "pax" | "gnu" | "ustar" = "pax"): string {
  const dir = join(temp.path, `tree-${++serial}`);
  writeTree(dir, files);
  const file = join(temp.path, `archive-${serial}.tar`);
  run("tar", [`--format=${format}`, "--sort=name", "-C", dir, "-cf", file, "."]);
  return file;
}

async function readMember(index: TarIndex, path: string): Promise<string> {
  const member = index.resolve(path);
  if (!member) throw new Error(`no ${path}`);
  return (await collect(index.read(member))).toString("utf8");
}

const longName = `${"d".repeat(120)}/${"f".repeat(150)}`;
const files = {
  "manifest.json": '[{"Config":"c.json"}]',
  "blobs/sha256/abc": "x".repeat(100_000),
  empty: "",
  [longName]: "long name",
  "utf8-é.txt": "ünï",
};

describe("TarIndex", () => {
  it.each(["pax", "gnu"] as const)(
    "indexes a %s archive from GNU tar and reads members in place",
    async (format) => {
      const index = await TarIndex.open(archiveOf(files, format));
      for (const [path, contents] of Object.entries(files)) {
        expect(index.get(path)?.type).toBe("file");
        expect(await readMember(index, path)).toBe(contents);
      }
      expect(index.get("blobs/sha256")?.type).toBe("dir");
      expect(index.get("./manifest.json")?.path).toBe("manifest.json");
      expect(index.get("missing")).toBeUndefined();
    },
  );

  it("records offsets and sizes that point at the data", async () => {
    const file = archiveOf({ a: "hello", b: "world!" }, "ustar");
    const index = await TarIndex.open(file);
    const b = index.get("b");
    expect(b).toMatchObject({ size: 6 });
    expect(b?.offset ? b.offset % 512 : -1).toBe(0);
  });

  it("follows symlinks (relative to their directory) and hardlinks", async () => {
    const dir = join(temp.path, "links");
    writeTree(dir, { "blob.tar": "layer bytes", "id/json": "{}" });
    symlinkSync("../blob.tar", join(dir, "id/layer.tar"));
    mkdirSync(join(dir, "other"));
    symlinkSync("/id/layer.tar", join(dir, "other/abs.tar"));
    linkSync(join(dir, "blob.tar"), join(dir, "hard.tar"));
    const file = join(temp.path, "links.tar");
    run("tar", ["--sort=name", "-C", dir, "-cf", file, "."]);
    const index = await TarIndex.open(file);
    expect(index.get("id/layer.tar")?.type).toBe("symlink");
    expect(await readMember(index, "id/layer.tar")).toBe("layer bytes");
    expect(await readMember(index, "other/abs.tar")).toBe("layer bytes");
    expect(await readMember(index, "hard.tar")).toBe("layer bytes");
    expect(index.resolve("id")).toBeUndefined();
  });

  it("refuses a symlink loop", async () => {
    const dir = join(temp.path, "loop");
    mkdirSync(dir);
    symlinkSync("b", join(dir, "a"));
    symlinkSync("a", join(dir, "b"));
    const file = join(temp.path, "loop.tar");
    run("tar", ["-C", dir, "-cf", file, "."]);
    const index = await TarIndex.open(file);
    expect(() => index.resolve("a")).toThrow(expect.objectContaining({ code: "OCI_BAD_ARCHIVE" }));
  });

  it("indexes what our own writer writes (PAX records before ustar headers)", async () => {
    const entries: FsEntry[] = [
      entryFromBytes(
        { path: "x".repeat(300), type: "file", mode: 0o644, uid: 0, gid: 0, mtime: 1.5 },
        Buffer.from("a"),
      ),
      entryFromBytes(
        { path: "名前", type: "file", mode: 0o644, uid: 3_000_000, gid: 0, mtime: 0 },
        Buffer.from("bc"),
      ),
    ];
    const file = join(temp.path, "ours.tar");
    writeFileSync(
      file,
      await collect(
        writeTar(
          (async function* () {
            yield* entries;
          })(),
        ),
      ),
    );
    const index = await TarIndex.open(file);
    expect(await readMember(index, "x".repeat(300))).toBe("a");
    expect(await readMember(index, "名前")).toBe("bc");
  });

  it.each([
    ["a missing file", "OCI_NOT_FOUND", () => join(temp.path, "nope.tar")],
    [
      "a gzip-compressed archive",
      "OCI_BAD_ARCHIVE",
      () => {
        const file = join(temp.path, "gz.tar.gz");
        writeFileSync(file, gzipSync(Buffer.alloc(2048)));
        return file;
      },
    ],
    [
      "a truncated archive",
      "OCI_BAD_ARCHIVE",
      () => {
        const file = archiveOf({ big: "y".repeat(5000) }, "ustar");
        truncateSync(file, 2048);
        return file;
      },
    ],
    [
      "a file that is not a tar",
      "OCI_BAD_ARCHIVE",
      () => {
        const file = join(temp.path, "junk");
        writeFileSync(file, "this is not a tar archive at all".repeat(40));
        return file;
      },
    ],
  ])("refuses %s, naming it", async (_name, code, make) => {
    const file = make();
    const error = await TarIndex.open(file).catch((e: unknown) => e);
    expect(error).toMatchObject({ code });
    expect((error as Error).message).toContain(file);
  });

  it("says that a compressed archive must be decompressed first", async () => {
    const file = join(temp.path, "hint.tar.gz");
    writeFileSync(file, gzipSync(Buffer.alloc(2048)));
    await expect(TarIndex.open(file)).rejects.toThrow(/gzip-compressed/);
  });

  it("reads an empty member as no bytes and refuses oversized small reads", async () => {
    const index = await TarIndex.open(archiveOf({ empty: "", big: "z".repeat(2000) }));
    expect(await readMember(index, "empty")).toBe("");
    await expect(index.readSmall("big", 100)).rejects.toMatchObject({ code: "OCI_BAD_ARCHIVE" });
    await expect(index.readSmall("none", 100)).rejects.toMatchObject({ code: "OCI_BAD_ARCHIVE" });
  });
});
