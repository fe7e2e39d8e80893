/**
 * The oracle side of the initrd tests: a tree of every kind of file made on disk (as root: owners,
 * devices, setuid bits, a hard link, UTF-8 names), entries read from a directory, GNU cpio's own
 * listing of an archive (`cpio -itv`) and a listing of an extracted directory (`find -printf`), as
 * readable text lines.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  createReadStream,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  type Stats,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FsEntry, FsEntryType } from "@ocikit/fs";
import { emptyBody } from "@ocikit/fs";

const ENV = { ...process.env, TZ: "UTC", LC_ALL: "C.UTF-8" };

/** Runs a command (TZ=UTC, UTF-8 locale); returns stdout, throws with stderr on failure. */
export function sh(
  program: string,
  args: readonly string[],
  options: { cwd?: string; input?: Uint8Array } = {},
): Buffer {
  return execFileSync(program, args, {
    env: ENV,
    ...options,
    maxBuffer: 1 << 28,
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** Runs a command and returns its status, stdout and stderr (to check for warnings). */
export function runBoth(
  program: string,
  args: readonly string[],
  options: { cwd?: string; input?: Uint8Array } = {},
) {
  const result = spawnSync(program, args, { env: ENV, ...options, maxBuffer: 1 << 28 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.toString() };
}

/** A temporary directory and a function that removes it. */
export function tempDir(prefix = "ocikit-initrd-"): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Makes a tree with every entry type, odd modes, owners, UTF-8 names, a hard link, fixed mtimes. */
export function buildTree(root: string): void {
  const file = (path: string, body: string | Buffer, mode = 0o644) => {
    writeFileSync(join(root, path), body);
    chmodSync(join(root, path), mode);
  };
  const dir = (path: string, mode = 0o755) => {
    mkdirSync(join(root, path), { recursive: true });
    chmodSync(join(root, path), mode);
  };
  dir("d");
  file("d/file.txt", "hello\n");
  chownSync(join(root, "d/file.txt"), 1234, 5678);
  linkSync(join(root, "d/file.txt"), join(root, "hard"));
  file("empty", "");
  file("setuid", "#!/bin/sh\n", 0o4755);
  file("setgid", "x", 0o2711);
  dir("sticky", 0o1777);
  dir("private", 0o700);
  file("utf8-é-名前.txt", "ünïcödé\n");
  file("binary", Buffer.from(Array.from({ length: 100_003 }, (_, i) => (i * 7919) % 251)));
  file("big-ids", "ids");
  chownSync(join(root, "big-ids"), 4_000_000_000, 65_534);
  symlinkSync("d/file.txt", join(root, "rel"));
  symlinkSync("/etc/passwd", join(root, "abs"));
  symlinkSync("../../nowhere", join(root, "d/dangling"));
  dir("dev");
  sh("mknod", ["-m", "0666", join(root, "dev/null"), "c", "1", "3"]);
  sh("mknod", ["-m", "0660", join(root, "dev/sda1"), "b", "8", "1"]);
  sh("mknod", ["-m", "0620", join(root, "dev/big"), "c", "511", "1048575"]);
  sh("mkfifo", ["-m", "0600", join(root, "fifo")]);
  sh("sh", ["-c", `find "${root}" -mindepth 1 ! -type l -exec touch -h -d "2023-04-05 06:07:08.5" {} +`]);
  utimesSync(join(root, "empty"), 0, 0);
  chmodSync(root, 0o755);
}

function typeOf(stat: Stats): FsEntryType {
  if (stat.isFile()) return "file";
  if (stat.isDirectory()) return "dir";
  if (stat.isSymbolicLink()) return "symlink";
  if (stat.isCharacterDevice()) return "char";
  if (stat.isBlockDevice()) return "block";
  if (stat.isFIFO()) return "fifo";
  throw new Error("unexpected file type");
}

/** A directory's entries, root (`.`) first, names sorted; later links of a file are `hardlink`s. */
export async function* entriesFromDir(root: string): AsyncIterable<FsEntry> {
  const seen = new Map<string, string>();
  const walk = async function* (path: string): AsyncIterable<FsEntry> {
    const full = join(root, path);
    const stat = lstatSync(full);
    let type = typeOf(stat);
    const key = `${stat.dev}:${stat.ino}`;
    const first = type === "file" && stat.nlink > 1 ? seen.get(key) : undefined;
    if (type === "file" && stat.nlink > 1 && first === undefined) seen.set(key, path);
    if (first !== undefined) type = "hardlink";
    const rdev = stat.rdev;
    yield {
      path,
      type,
      mode: stat.mode & 0o7777,
      uid: stat.uid,
      gid: stat.gid,
      mtime: stat.mtimeMs / 1000,
      size: type === "file" ? stat.size : 0,
      ...(type === "symlink"
        ? { linkTarget: readlinkSync(full) }
        : first !== undefined
          ? { linkTarget: first }
          : {}),
      ...(type === "char" || type === "block"
        ? {
            devMajor: ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff),
            devMinor: (rdev & 0xff) | ((rdev >> 12) & 0xfff00),
          }
        : {}),
      body: type === "file" ? () => createReadStream(full) : emptyBody,
    };
    if (type === "dir") {
      for (const name of readdirSync(full).sort()) yield* walk(path === "." ? name : `${path}/${name}`);
    }
  };
  yield* walk(".");
}

/** Lists an extracted directory (`find -printf`), sorted: `path type mode uid:gid size|target [dev] links @mtime`. */
export function dirListing(root: string): string[] {
  const out = sh("find", [root, "-mindepth", "1", "-printf", "%P\\t%y\\t%m\\t%U:%G\\t%s\\t%l\\t%n\\t%T@\\n"]);
  return out
    .toString("utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const [path = "", y = "", mode = "", owner = "", size = "", link = "", nlink = "", mtime = ""] =
        line.split("\t");
      const kind = { f: "file", d: "dir", l: "symlink", c: "char", b: "block", p: "fifo" }[y] ?? y;
      const shown = kind === "file" ? size : kind === "symlink" ? `-> ${link}` : "";
      const links = kind === "file" && nlink !== "1" ? ` links=${nlink}` : "";
      const dev =
        kind === "char" || kind === "block"
          ? ` ${sh("stat", ["-c", "%Hr,%Lr", join(root, path)])
              .toString()
              .trim()}`
          : "";
      const time = kind === "symlink" ? "" : ` @${Math.floor(Number(mtime))}`;
      return `${path} ${kind} ${Number.parseInt(mode, 8).toString(8).padStart(4, "0")} ${owner} ${shown}${dev}${links}${time}`;
    })
    .sort();
}

const TYPE_OF_CHAR: Readonly<Record<string, string>> = {
  "-": "file",
  d: "dir",
  l: "symlink",
  c: "char",
  b: "block",
  p: "fifo",
};

/** Permission bits from `ls`-style mode text (`rwsr-xr-t` and friends). */
function parseModeText(text: string): number {
  let mode = 0;
  const bits = [0o400, 0o200, 0o100, 0o40, 0o20, 0o10, 0o4, 0o2, 0o1];
  for (const [i, bit] of bits.entries()) if (!"-ST".includes(text[i] ?? "-")) mode |= bit;
  if ("sS".includes(text[2] ?? "")) mode |= 0o4000;
  if ("sS".includes(text[5] ?? "")) mode |= 0o2000;
  if ("tT".includes(text[8] ?? "")) mode |= 0o1000;
  return mode;
}

/**
 * GNU cpio's listing of an archive (`cpio -itv --numeric-uid-gid`) as `path type mode uid:gid nlink
 * size|dev [-> target]` lines, in archive order; fails on any warning on stderr.
 */
export function cpioListing(archive: Uint8Array): string[] {
  const result = runBoth("cpio", ["-itv", "--numeric-uid-gid", "--quiet"], { input: archive });
  if (result.status !== 0 || result.stderr !== "") throw new Error(`cpio -itv failed: ${result.stderr}`);
  return result.stdout
    .toString("utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const m =
        /^(\S)(\S{9}) +(\d+) +(\d+) +(\d+) +(\d+, +\d+|\d+) \w{3} [ \d]\d +(?:\d\d:\d\d|\d{4}) (.*)$/.exec(
          line,
        );
      if (!m) throw new Error(`unparsed cpio -tv line: ${line}`);
      const [, typeChar = "", modeText = "", nlink, uid, gid, sizeOrDev = "", rest = ""] = m;
      const type = TYPE_OF_CHAR[typeChar] ?? typeChar;
      const mode = parseModeText(modeText).toString(8).padStart(4, "0");
      return `${rest} ${type} ${mode} ${uid}:${gid} ${nlink} ${sizeOrDev.replace(/ +/, "")}`.replace(
        /^(.*?) -> (.*?) (.*)$/,
        "$1 $3 -> $2",
      );
    });
}
