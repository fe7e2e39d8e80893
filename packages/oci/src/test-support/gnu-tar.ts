/**
 * The oracle side of the tar tests: a tree of every kind of file made on disk (as root: owners,
 * devices, setuid bits, xattrs), GNU tar's own listing of an archive (`tar -tv`) and a listing of an
 * extracted directory (`find -printf`), both in the `path type mode uid:gid size target mtime` form of
 * `listingLine`, so that our reader and writer are compared with the real tool as readable text.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, linkSync, mkdirSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type FsHeader, normalizeEntryPath } from "@ocikit/fs";
import { listingLine } from "./tar-fixtures.js";

const UTC = { ...process.env, TZ: "UTC", LC_ALL: "C.UTF-8" };

/** Runs a command with TZ=UTC and a UTF-8 locale; returns stdout. */
export function sh(program: string, args: readonly string[], input?: Uint8Array): Buffer {
  return execFileSync(program, args, {
    env: UTC,
    input,
    maxBuffer: 1 << 28,
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** What `buildTree` can leave out for formats that cannot hold it. */
export interface TreeOptions {
  /** Names over 255 bytes, components over 100, link targets over 100, ids ≥ 2^21 (not ustar). */
  readonly long: boolean;
}

/** Makes a tree with every entry type, odd modes, owners, UTF-8 and long names, a fractional mtime. */
export function buildTree(root: string, options: TreeOptions): void {
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
  dir("sticky", 0o1777);
  dir("setgid", 0o2775);
  file("utf8-é-名前.txt", "ünïcödé\n");
  file("binary", Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7919) % 251)));
  symlinkSync("d/file.txt", join(root, "rel"));
  symlinkSync("/etc/passwd", join(root, "abs"));
  symlinkSync("../../nowhere", join(root, "dangling"));
  dir("dev");
  execFileSync("mknod", ["-m", "0666", join(root, "dev/null"), "c", "1", "3"]);
  execFileSync("mknod", ["-m", "0660", join(root, "dev/loop0"), "b", "7", "0"]);
  execFileSync("mkfifo", ["-m", "0600", join(root, "fifo")]);
  file("frac", "t");
  execFileSync("touch", ["-h", "-d", "2023-01-01 00:00:00.123456789", join(root, "frac")]);
  execFileSync("setfattr", ["-n", "user.note", "-v", "0x01ff00", join(root, "frac")]);
  utimesSync(join(root, "empty"), 0, 0);
  const nested = `long/${"a".repeat(60)}/${"b".repeat(60)}`;
  dir(nested);
  file(`${nested}/file`, "splits into ustar prefix + name\n");
  if (options.long) {
    const deep = `deep/${"c".repeat(100)}/${"d".repeat(100)}/${"e".repeat(100)}`;
    dir(deep);
    file(`${deep}/file`, "over 255 bytes\n");
    file("f".repeat(150), "one long component\n");
    symlinkSync("t".repeat(150), join(root, "longlink"));
    file("bigids", "x");
    chownSync(join(root, "bigids"), 3_000_000, 4_000_000);
  }
  chmodSync(root, 0o755);
}

const TYPE_OF_CHAR: Readonly<Record<string, FsHeader["type"]>> = {
  "-": "file",
  d: "dir",
  l: "symlink",
  h: "hardlink",
  c: "char",
  b: "block",
  p: "fifo",
};

/** Permission bits from `ls`-style mode text (`rwsr-xr-t` and friends). */
export function parseModeText(text: string): number {
  let mode = 0;
  const bits = [0o400, 0o200, 0o100, 0o40, 0o20, 0o10, 0o4, 0o2, 0o1];
  for (const [i, bit] of bits.entries()) if (!"-ST".includes(text[i] ?? "-")) mode |= bit;
  if ("sS".includes(text[2] ?? "")) mode |= 0o4000;
  if ("sS".includes(text[5] ?? "")) mode |= 0o2000;
  if ("tT".includes(text[8] ?? "")) mode |= 0o1000;
  return mode;
}

/** Parses `tar -tv --numeric-owner --full-time` output into listing lines (with mtime). */
export function gnuTarListing(archive: Uint8Array): string[] {
  const out = sh(
    "tar",
    ["-tv", "--numeric-owner", "--full-time", "--quoting-style=literal", "-f", "-"],
    archive,
  );
  return out
    .toString("utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const m = /^(\S)(\S{9}) (\d+)\/(\d+) +(\S+) (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(\.\d+)? +(.*)$/.exec(line);
      if (!m) throw new Error(`unparsed tar -tv line: ${line}`);
      const [, typeChar = "", modeText = "", uid, gid, sizeOrDev = "", date = "", fraction = "", rest = ""] =
        m;
      const type = TYPE_OF_CHAR[typeChar];
      if (!type) throw new Error(`unknown type ${typeChar} in: ${line}`);
      const [name = "", target] =
        type === "symlink" ? rest.split(" -> ") : type === "hardlink" ? rest.split(" link to ") : [rest];
      const [major, minor] = sizeOrDev.split(",").map(Number);
      const seconds = Date.parse(`${date.replace(" ", "T")}Z`) / 1000;
      const header: FsHeader = {
        path: normalizeEntryPath(name),
        type,
        mode: parseModeText(modeText),
        uid: Number(uid),
        gid: Number(gid),
        mtime: Number(`${seconds}${fraction}`),
        size: type === "file" ? Number(sizeOrDev) : 0,
        ...(target === undefined
          ? {}
          : { linkTarget: type === "hardlink" ? normalizeEntryPath(target) : target }),
        ...(type === "char" || type === "block" ? { devMajor: major, devMinor: minor } : {}),
      };
      return `${listingLine(header)} @${header.mtime}`;
    });
}

/** Our listing of headers, in the same form as `gnuTarListing`. */
export function ourListing(headers: readonly FsHeader[]): string[] {
  return headers.map((h) => `${listingLine(h)} @${h.mtime}`);
}

/** Lists an extracted directory (`find -printf`), sorted; hardlinked files show their link count. */
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
      return `${path} ${kind} ${Number.parseInt(mode, 8).toString(8).padStart(4, "0")} ${owner} ${shown}${dev}${links} @${Math.floor(Number(mtime))}`;
    })
    .sort();
}
