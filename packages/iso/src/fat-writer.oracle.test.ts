/**
 * Our FAT images checked by the real tools: fsck.fat -n finds nothing to fix; mtools lists the tree
 * with its long names (mdir) and copies every file back with identical contents (mcopy); minfo and
 * file(1) show the label and serial; mkfs.fat makes the same type and cluster-size choices for the
 * same sizes. Random trees (seeded) go through the same checks.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  closeSync,
  ftruncateSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { entryFromBytes, type FsEntry, headerOf } from "@ocikit/fs";
import { afterAll, describe, expect, it } from "vitest";
import { fatBootSectorFromBytes, fatTypeOf } from "./fat-boot-sector.js";
import { type FatOptions, planFat } from "./fat-plan.js";
import { writeFat } from "./fat-writer.js";

const work = mkdtempSync(join(tmpdir(), "ocikit-fat-oracle-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
// mtools refuses images whose geometry does not divide the size unless told not to check; its
// long names go to the host as UTF-8 only under a UTF-8 locale.
const MTOOLS_ENV = { ...process.env, MTOOLS_SKIP_CHECK: "1", LC_ALL: "C.UTF-8", TZ: "UTC" };

/** Runs a tool; a missing tool fails the test (Debian packages: dosfstools, mtools, file, binutils). */
function run(command: string, args: readonly string[]): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { env: MTOOLS_ENV, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new Error(`${command}: ${result.error.message}; run tools/dev/setup.sh`);
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

type Tree = { path: string; data: Uint8Array }[];

/** Writes the image of `tree` to `path`, leaving runs of zeros as holes (a 512 MiB image costs nothing). */
async function writeImage(tree: Tree, options: FatOptions, path: string) {
  const entries: FsEntry[] = tree.map((f) =>
    entryFromBytes({ path: f.path, type: "file", mode: 0o644, uid: 0, gid: 0, mtime: 0 }, f.data),
  );
  const layout = planFat(entries.map(headerOf), options);
  const fd = openSync(path, "w");
  let position = 0;
  try {
    for await (const chunk of writeFat(
      layout,
      (async function* () {
        yield* entries;
      })(),
    )) {
      if (!isZero(chunk)) writeSync(fd, chunk, 0, chunk.length, position);
      position += chunk.length;
    }
    ftruncateSync(fd, position);
  } finally {
    closeSync(fd);
  }
  expect(position).toBe(layout.sizeBytes);
  return { layout };
}

const ZEROS = Buffer.alloc(1024 * 1024);
function isZero(chunk: Uint8Array): boolean {
  for (let at = 0; at < chunk.length; at += ZEROS.length) {
    const piece = chunk.subarray(at, at + ZEROS.length);
    if (!ZEROS.subarray(0, piece.length).equals(piece)) return false;
  }
  return true;
}

/** The directories the paths of `tree` imply (the root aside). */
function directoriesOf(tree: Tree): Set<string> {
  const directories = new Set<string>();
  for (const { path } of tree)
    for (let slash = path.indexOf("/"); slash >= 0; slash = path.indexOf("/", slash + 1))
      directories.add(path.slice(0, slash));
  return directories;
}

/** fsck.fat -n: exit status 0 and nothing but its banner and the summary line (which counts directories as files). */
function expectFsckClean(image: string, tree: Tree, options: { hasLabel: boolean } = { hasLabel: true }) {
  // fsck.fat's count takes in directories and the volume label entry.
  const files = tree.length + directoriesOf(tree).size + (options.hasLabel ? 1 : 0);
  const { status, stdout, stderr } = run("fsck.fat", ["-n", image]);
  expect({ status, stderr }).toEqual({ status: 0, stderr: "" });
  const lines = stdout.trim().split("\n");
  expect(lines).toHaveLength(2);
  expect(lines[1]).toMatch(new RegExp(`^${image}: ${files} files, \\d+/\\d+ clusters$`));
}

/** mdir's recursive bare listing and mcopy's copy of everything must give back `tree`. */
function expectMtoolsReadBack(image: string, tree: Tree) {
  const directories = [...directoriesOf(tree)].map((d) => `::/${d}/`);
  const listed = run("mdir", ["-i", image, "-/", "-b", "::/"]);
  expect(listed.status).toBe(0);
  expect(listed.stdout.trim().split("\n").sort()).toEqual(
    [...directories, ...tree.map((f) => `::/${f.path}`)].sort(),
  );
  const out = join(work, `copy-${createHash("sha256").update(image).digest("hex").slice(0, 8)}`);
  mkdirSync(out);
  try {
    const copied = run("mcopy", ["-i", image, "-s", "-n", "::/", out]);
    expect(copied.stderr).toBe("");
    const back = new Map<string, string>();
    const walk = (dir: string, prefix: string) => {
      for (const name of readdirSync(dir)) {
        const full = join(dir, name);
        if (statSync(full).isDirectory()) walk(full, `${prefix}${name}/`);
        else back.set(`${prefix}${name}`, createHash("sha256").update(readFileSync(full)).digest("hex"));
      }
    };
    walk(out, "");
    const want = new Map(tree.map((f) => [f.path, createHash("sha256").update(f.data).digest("hex")]));
    expect(new Map([...back].sort())).toEqual(new Map([...want].sort()));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const pseudoRandom = (n: number, seed: number) => {
  const bytes = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
};

const ESP_TREE: Tree = [
  { path: "EFI/BOOT/BOOTX64.EFI", data: pseudoRandom(300_000, 1) },
  { path: "loader/loader.conf", data: new TextEncoder().encode("timeout 3\ndefault ocikit.conf\n") },
  { path: "loader/entries/ocikit.conf", data: new TextEncoder().encode("title ocikit\nlinux /vmlinuz\n") },
  { path: "A file with a rather long name, spaces and commas.txt", data: pseudoRandom(10, 2) },
  { path: "ünïcödé-файл-日本語.txt", data: pseudoRandom(5000, 3) },
  { path: "empty", data: new Uint8Array(0) },
  { path: "MiXeD.CaSe", data: pseudoRandom(1, 4) },
  ...Array.from({ length: 150 }, (_, i) => ({
    path: `many/file number ${i}.txt`,
    data: pseudoRandom(i * 37, i + 5),
  })),
];

describe("FAT images, checked by dosfstools and mtools", () => {
  it.each(["fat12", "fat16", "fat32"] as const)(
    "a %s ESP passes fsck.fat, and mtools reads back every name and byte",
    async (fatType) => {
      const image = join(work, `esp-${fatType}.img`);
      const { layout } = await writeImage(ESP_TREE, { fatType }, image);
      expect(layout.fatType).toBe(fatType);
      expectFsckClean(image, ESP_TREE);
      expectMtoolsReadBack(image, ESP_TREE);
      const serial = layout.bootSector.volumeId.toString(16).toUpperCase().padStart(8, "0");
      const info = run("minfo", ["-i", image, "::"]).stdout;
      expect(info).toContain(`serial number: ${serial}`);
      expect(info).toContain('disk label="ESP        "');
      expect(info).toContain(`disk type="${fatType.toUpperCase()}   "`);
      const described = run("file", ["-b", image]).stdout;
      expect(described).toContain(`serial number 0x${serial.toLowerCase()}, label: "ESP        "`);
      expect(described).toContain(fatType === "fat32" ? "FAT (32 bit)" : `FAT (${fatType.slice(3)} bit)`);
    },
  );

  it("writes identical bytes twice, and the label and serial it is given", async () => {
    const options = { volumeLabel: "ocikit", volumeId: 0x1234abcd };
    await writeImage(ESP_TREE, options, join(work, "twice-1.img"));
    await writeImage(ESP_TREE, options, join(work, "twice-2.img"));
    expect(readFileSync(join(work, "twice-1.img")).equals(readFileSync(join(work, "twice-2.img")))).toBe(
      true,
    );
    const listing = run("mdir", ["-i", join(work, "twice-1.img"), "::/"]).stdout;
    expect(listing).toContain("Volume in drive : is OCIKIT");
    expect(listing).toContain("Volume Serial Number is 1234-ABCD");
  });

  // mkfs.fat is the reference for what firmware has met: same type, cluster size, FAT count, root
  // size and media byte for the same volume size (not the same bytes: it aligns and pads its own way,
  // and trims a few sectors off FAT32 volumes).
  it.each([1, 8, 16, 64, 256, 512])(
    "a %i MiB volume gets mkfs.fat's BPB choices and passes fsck.fat",
    async (mib) => {
      const sizeBytes = mib * 1024 * 1024;
      const reference = join(work, `mkfs-${mib}.img`);
      expect(run("mkfs.fat", ["-C", reference, String(mib * 1024)]).status).toBe(0);
      const sector = new Uint8Array(512);
      const fd = openSync(reference, "r");
      readSync(fd, sector, 0, 512, 0);
      closeSync(fd);
      const theirs = fatBootSectorFromBytes(sector);
      rmSync(reference);
      const image = join(work, `ours-${mib}.img`);
      const { layout } = await writeImage(ESP_TREE.slice(0, 3), { sizeBytes }, image);
      const ours = layout.bootSector;
      const pick = (bs: typeof ours) => ({
        fatType: fatTypeOf(bs),
        sectorsPerCluster: bs.sectorsPerCluster,
        numFats: bs.numFats,
        rootEntryCount: bs.rootEntryCount,
        media: bs.media,
      });
      expect(pick(ours)).toEqual(pick(theirs));
      expectFsckClean(image, ESP_TREE.slice(0, 3));
      rmSync(image);
    },
  );
});

describe("random trees, seeded", () => {
  // Names mix exact 8.3 names, lower-case short names, long names with spaces and dots, and UTF-8
  // from the Basic Multilingual Plane (mtools 4.0.32 shows characters beyond it as "_"; the long-name
  // round trip of fat-long-name.test.ts covers surrogate pairs).
  const PIECES = [
    "BOOT",
    "efi",
    "Linux",
    "a",
    "x.y.z",
    ".hidden",
    "long name with spaces",
    "ñandú",
    "файл",
    "日本",
    "δ",
    "READ~1",
    "v1.2.3",
    "UPPER.TXT",
    "name-",
    "_",
  ];
  function randomTree(seed: number): Tree {
    let state = seed;
    const next = () => {
      state = (state * 1_103_515_245 + 12_345) >>> 0;
      return state / 2 ** 32;
    };
    const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
    const makeName = () => {
      let name = "";
      const parts = 1 + Math.floor(next() * 4);
      for (let i = 0; i < parts; i++) name += (i > 0 ? pick([" ", "-", ".", ""]) : "") + pick(PIECES);
      if (next() < 0.1) name += ` ${"z".repeat(Math.floor(next() * 180))}`;
      return name.slice(0, 240).replace(/[. ]+$/, "") || "n";
    };
    const files = new Map<string, Uint8Array>();
    // FAT names ignore case: remember every directory and file by its upper-case path.
    const directories = new Map<string, string>([["", ""]]);
    const fileKeys = new Set<string>();
    const add = (dir: string, count: number) => {
      for (let i = 0; i < count; i++) {
        const path = dir === "" ? makeName() : `${dir}/${makeName()}`;
        const key = path.toUpperCase();
        if (fileKeys.has(key) || directories.has(key)) continue;
        fileKeys.add(key);
        const roll = next();
        const size =
          roll < 0.25
            ? 0
            : roll < 0.7
              ? Math.floor(next() * 3000)
              : roll < 0.95
                ? Math.floor(next() * 40_000)
                : 300_000;
        files.set(path, pseudoRandom(size, seed * 1000 + files.size));
      }
    };
    const makeDirectory = (depth: number) => {
      let dir = "";
      for (let level = 0; level < depth; level++) {
        const candidate = dir === "" ? makeName() : `${dir}/${makeName()}`;
        const key = candidate.toUpperCase();
        if (fileKeys.has(key)) break;
        if (!directories.has(key)) directories.set(key, candidate);
        dir = directories.get(key)!;
      }
      return dir;
    };
    // Deep paths, and one directory with enough names to need a chain of several clusters.
    for (let d = 0; d < 6; d++) add(makeDirectory(1 + Math.floor(next() * 7)), 1 + Math.floor(next() * 6));
    add(makeDirectory(1), 120);
    add("", 5);
    return [...files].map(([path, data]) => ({ path, data }));
  }

  it.each([
    [1, undefined],
    [2, "fat12"],
    [3, "fat16"],
    [4, "fat32"],
    [5, undefined],
  ] as const)("seed %i (%s) passes fsck.fat and reads back through mtools", async (seed, fatType) => {
    const tree = randomTree(seed);
    const image = join(work, `random-${seed}.img`);
    await writeImage(tree, fatType === undefined ? {} : { fatType }, image);
    expectFsckClean(image, tree);
    expectMtoolsReadBack(image, tree);
    rmSync(image);
  });
});
