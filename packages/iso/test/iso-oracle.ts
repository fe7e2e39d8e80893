/**
 * The oracle side of the ISO 9660 tests: entries made in memory, the image written by planIso and
 * writeIso, and both the entries and what a real tool extracted (xorriso) described as the same
 * readable lines (`path<TAB>type mode uid:gid @mtime size sha256`, `-> target`, `major,minor`), so
 * a failure is a readable diff. Also a seeded generator of random trees for the property test.
 */

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  entryFromBytes,
  type FsEntry,
  type FsHeader,
  headerOf,
  normalizeEntryPath,
  parentPath,
} from "@ocikit/fs";
import { type IsoOptions, planIso } from "../src/iso-plan.js";
import { writeIso } from "../src/iso-writer.js";

const ENV = { ...process.env, TZ: "UTC", LC_ALL: "C.UTF-8" };

/** Runs a program; returns stdout; throws with stderr on failure. */
export function sh(program: string, args: readonly string[], options: { cwd?: string } = {}): string {
  return execFileSync(program, args, {
    env: ENV,
    ...options,
    maxBuffer: 1 << 28,
    stdio: ["ignore", "pipe", "pipe"],
  }).toString();
}

/** A temporary directory and a function that removes it. */
export function tempDir(prefix = "ocikit-iso-"): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of stream) parts.push(chunk);
  return Buffer.concat(parts);
}

async function* each<T>(items: readonly T[]): AsyncIterable<T> {
  yield* items;
}

/** Plans and writes an image of `entries`. */
export async function isoOf(entries: readonly FsEntry[], options: IsoOptions = {}): Promise<Buffer> {
  return collect(writeIso(planIso(entries.map(headerOf), options), each(entries)));
}

/** A header with defaults: 0:0, mtime 1600000000. */
export function header(
  path: string,
  type: FsHeader["type"],
  mode: number,
  extra: Partial<FsHeader> = {},
): Omit<FsHeader, "size"> {
  return { path, type, mode, uid: 0, gid: 0, mtime: 1_600_000_000, ...extra };
}

export function entry(h: Omit<FsHeader, "size">, bytes: Uint8Array | string = new Uint8Array(0)): FsEntry {
  return entryFromBytes(h, typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes);
}

const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex").slice(0, 16);
const octal = (mode: number) => mode.toString(8).padStart(4, "0");

/**
 * The lines a reader should show for `entries`: later entries replace earlier ones, parents without
 * an entry are 0755 0:0 at `implicitMtime`, hard links are copies of their target.
 */
export async function expectedListing(entries: readonly FsEntry[], implicitMtime: number): Promise<string[]> {
  const nodes = new Map<string, { h: FsHeader; bytes: Uint8Array }>();
  const implicit = (path: string) => ({
    h: { path, type: "dir" as const, mode: 0o755, uid: 0, gid: 0, mtime: implicitMtime, size: 0 },
    bytes: new Uint8Array(0),
  });
  nodes.set(".", implicit("."));
  for (const e of entries) {
    const path = normalizeEntryPath(e.path);
    for (let p = parentPath(path); p !== "." && !nodes.has(p); p = parentPath(p)) nodes.set(p, implicit(p));
    const parts: Uint8Array[] = [];
    if (e.type === "file") for await (const chunk of e.body()) parts.push(chunk);
    const existing = nodes.get(path);
    const h = {
      ...headerOf(e),
      path,
      ...(e.type === "symlink" ? { linkTarget: readBackTarget(e.linkTarget ?? "") } : {}),
    };
    nodes.set(
      path,
      existing?.h.type === "dir" && e.type === "dir"
        ? { ...existing, h }
        : { h, bytes: Buffer.concat(parts) },
    );
  }
  for (const [path, node] of nodes) {
    if (node.h.type !== "hardlink") continue;
    let target = nodes.get(normalizeEntryPath(node.h.linkTarget ?? ""))!;
    while (target.h.type === "hardlink") target = nodes.get(normalizeEntryPath(target.h.linkTarget ?? ""))!;
    nodes.set(path, { h: { ...target.h, path }, bytes: target.bytes });
  }
  return [...nodes.values()]
    .map(({ h, bytes }) => line(h.path, h.type, h.mode, h.uid, h.gid, h.mtime, bytes, h))
    .sort();
}

/** A symlink target as Rock Ridge SL gives it back: empty components dropped (`a//b` → `a/b`). */
function readBackTarget(target: string): string {
  const rest = target
    .split("/")
    .filter((part) => part !== "")
    .join("/");
  return target.startsWith("/") ? `/${rest}` : rest;
}

function line(
  path: string,
  type: string,
  mode: number,
  uid: number,
  gid: number,
  mtime: number,
  bytes: Uint8Array,
  h: Pick<FsHeader, "linkTarget" | "devMajor" | "devMinor">,
): string {
  // xorriso does not set the owner of the symlinks it extracts, so a symlink's line has none (the
  // oracle test checks symlink owners with xorriso -lsl instead).
  if (type === "symlink") return `${path}\t${type} ${octal(mode)} -> ${h.linkTarget}`;
  const head = `${path}\t${type} ${octal(mode)} ${uid}:${gid}`;
  const time = ` @${Math.floor(mtime)}`;
  if (type === "char" || type === "block") return `${head}${time} ${h.devMajor},${h.devMinor}`;
  if (type === "file") return `${head}${time} ${bytes.length} ${sha(bytes)}`;
  return `${head}${time}`;
}

/** The lines for entries as a reader gives them (readIso's), bodies read; in expectedListing's format. */
export async function listingOf(entries: AsyncIterable<FsEntry>): Promise<string[]> {
  const lines: string[] = [];
  for await (const e of entries) {
    const parts: Uint8Array[] = [];
    if (e.type === "file") for await (const chunk of e.body()) parts.push(chunk);
    lines.push(line(e.path, e.type, e.mode, e.uid, e.gid, e.mtime, Buffer.concat(parts), e));
  }
  return lines.sort();
}

/** The lines for a directory on disk (as extracted), the root as ".". */
export function directoryListing(root: string): string[] {
  const lines: string[] = [];
  const visit = (path: string) => {
    const full = path === "." ? root : join(root, path);
    const st = lstatSync(full);
    const type = st.isDirectory()
      ? "dir"
      : st.isFile()
        ? "file"
        : st.isSymbolicLink()
          ? "symlink"
          : st.isCharacterDevice()
            ? "char"
            : st.isBlockDevice()
              ? "block"
              : "fifo";
    // glibc's dev_t (its low 32 bits): major in bits 8-19, minor in bits 0-7 and 20-31.
    const rdev = {
      devMajor: (st.rdev >>> 8) & 0xfff,
      devMinor: (st.rdev & 0xff) | ((st.rdev >>> 12) & 0xfff00),
    };
    const target = type === "symlink" ? { linkTarget: readlinkSync(full) } : {};
    const bytes = type === "file" ? readFileSync(full) : new Uint8Array(0);
    lines.push(
      line(path, type, st.mode & 0o7777, st.uid, st.gid, st.mtimeMs / 1000, bytes, { ...rdev, ...target }),
    );
    if (type === "dir") for (const name of readdirSync(full)) visit(path === "." ? name : `${path}/${name}`);
  };
  visit(".");
  return lines.sort();
}

/** Extracts `iso` with xorriso (Rock Ridge, or Joliet with `view: "joliet"`) into `dir`. */
export function extractWithXorriso(
  isoPath: string,
  dir: string,
  view: "rock-ridge" | "joliet" | "ecma119" = "rock-ridge",
): void {
  const readFs = view === "rock-ridge" ? "any" : view === "joliet" ? "norock" : "ecma119";
  sh("xorriso", ["-read_fs", readFs, "-osirrox", "on:device_files", "-indev", isoPath, "-extract", "/", dir]);
}

/** A small deterministic random number generator (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAME_PIECES = [
  "a",
  "File",
  "file",
  "x.tar.gz",
  ".hidden",
  "名前",
  "ünï",
  "😀",
  "spa ce",
  "semi;colon",
  "UPPER",
  "v1.2.3",
  "-",
  "_",
];

/**
 * A random tree: deep paths (past ISO 9660's 8 levels), long (up to 253 bytes) and UTF-8 names,
 * names that collide once mangled, symlinks (absolute, relative, long), hard links, devices, fifos,
 * empty and multi-sector files, one crowded directory, random owners and modes (setuid too).
 */
export function randomTree(seed: number): FsEntry[] {
  const rand = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const int = (n: number) => Math.floor(rand() * n);
  const entries: FsEntry[] = [entry(header(".", "dir", 0o755, { mtime: 1_500_000_000 }))];
  const dirs = ["."];
  const files: string[] = [];
  const used = new Set<string>(["."]);
  const name = (): string => {
    const kind = int(10);
    if (kind === 0) return `${"long-name-".repeat(20)}${int(1000)}`.slice(0, 200 + int(54));
    if (kind === 1) return `${"名".repeat(60 + int(20))}.txt`; // 3 bytes each: up to 240 bytes
    let n = "";
    for (let i = 0, parts = 1 + int(3); i < parts; i++) n += pick(NAME_PIECES);
    return n;
  };
  const attrs = () => ({
    uid: pick([0, 0, 1000, 65534, 123456]),
    gid: pick([0, 0, 100, 65534]),
    mtime: 1_000_000_000 + int(700_000_000),
  });
  const place = (dir: string) => {
    for (let tries = 0; ; tries++) {
      const path = dir === "." ? name() : `${dir}/${name()}`;
      const full = tries > 5 ? `${path}${int(1e6)}` : path;
      if (!used.has(full)) {
        used.add(full);
        return full;
      }
    }
  };
  // A deep chain, then random entries anywhere.
  let deep = ".";
  for (let level = 0, levels = 9 + int(5); level < levels; level++) {
    deep = place(deep);
    entries.push(entry(header(deep, "dir", pick([0o755, 0o700, 0o1777]), attrs())));
    dirs.push(deep);
  }
  const crowded = place(".");
  entries.push(entry(header(crowded, "dir", 0o755, attrs())));
  dirs.push(crowded);
  for (let i = 0; i < 120; i++) {
    const dir = i < 60 ? crowded : pick(dirs);
    const path = place(dir);
    const kind = int(12);
    if (kind < 5) {
      const size = pick([0, 1, 100, 2047, 2048, 2049, 5000, int(9000)]);
      const bytes = new Uint8Array(size).map(() => int(256));
      entries.push(entry(header(path, "file", pick([0o644, 0o755, 0o4755, 0o600, 0o2711]), attrs()), bytes));
      files.push(path);
    } else if (kind < 7) {
      entries.push(entry(header(path, "dir", pick([0o755, 0o750]), attrs())));
      dirs.push(path);
    } else if (kind < 9) {
      const target = pick([
        `/${pick(files.length ? files : ["etc/x"])}`,
        "../up/../x",
        ".",
        "..",
        "a//b",
        "/",
        `${"t".repeat(int(600))}x`,
        pick(dirs),
      ]);
      entries.push(entry({ ...header(path, "symlink", 0o777, attrs()), linkTarget: target }));
    } else if (kind === 9 && files.length > 0) {
      entries.push(entry({ ...header(path, "hardlink", 0o644, attrs()), linkTarget: pick(files) }));
    } else if (kind === 10) {
      entries.push(
        entry({
          ...header(path, pick(["char", "block"] as const), 0o660, attrs()),
          devMajor: int(300),
          devMinor: int(256),
        }),
      );
    } else {
      entries.push(entry(header(path, "fifo", 0o644, attrs())));
    }
  }
  return entries;
}
