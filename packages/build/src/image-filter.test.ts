import { emptyBody, entryFromBytes, type FsEntry } from "@ocikit/fs";
import { describe, expect, it } from "vitest";
import { CREATED_MTIME, HOSTS_CONTENTS, RESOLV_CONF_CONTENTS } from "./constants.js";
import { filterImage } from "./image-filter.js";

const dir = (path: string, mode = 0o755): FsEntry => ({
  path,
  type: "dir",
  mode,
  uid: 0,
  gid: 0,
  mtime: 5,
  size: 0,
  body: emptyBody,
});
const file = (path: string, text: string, uid = 0): FsEntry =>
  entryFromBytes(
    { path, type: "file", mode: 0o640, uid, gid: uid, mtime: 5 },
    new TextEncoder().encode(text),
  );

async function* from(entries: FsEntry[]): AsyncIterable<FsEntry> {
  yield* entries;
}

async function listing(entries: AsyncIterable<FsEntry>): Promise<string[]> {
  const out: string[] = [];
  for await (const e of entries) {
    let text = "";
    for await (const c of e.body()) text += new TextDecoder().decode(c);
    out.push(
      `${e.type} ${e.path} ${e.mode.toString(8)} ${e.uid} ${e.mtime === CREATED_MTIME ? "T" : e.mtime}${e.linkTarget ? ` -> ${e.linkTarget}` : ""}${text ? ` ${JSON.stringify(text)}` : ""}`,
    );
  }
  return out;
}

describe("filterImage (§3.4)", () => {
  it("drops, replaces and appends as LinuxKit does for an init image", async () => {
    const image = [
      dir("."),
      dir("bin"),
      file("bin/sh", "sh"),
      { ...file("bin/ash", ""), type: "hardlink" as const, linkTarget: "bin/sh", size: 0 },
      dir("dev"),
      file("dev/console", ""),
      dir("etc"),
      file("etc/hosts", "mine", 7),
      file("etc/resolv.conf", "nameserver 1.1.1.1"),
      file("etc/hostname", "box"),
      file(".dockerenv", ""),
    ];
    expect(await listing(filterImage(from(image), { prefix: "", resolvConf: "symlink" }))).toEqual([
      "dir . 755 0 5",
      "dir bin 755 0 5",
      'file bin/sh 640 0 5 "sh"',
      "hardlink bin/ash 640 0 5 -> bin/sh",
      "dir dev 755 0 5",
      "dir etc 755 0 5",
      `file etc/hosts 640 7 T ${JSON.stringify(HOSTS_CONTENTS)}`,
      "symlink etc/resolv.conf 640 0 T -> /run/resolvconf/resolv.conf",
      "dir dev 755 0 T",
      "dir dev/pts 755 0 T",
      "dir dev/shm 755 0 T",
      "dir etc 755 0 T",
      `file etc/hosts 644 0 T ${JSON.stringify(HOSTS_CONTENTS)}`,
      "symlink etc/mtab 755 0 T -> /proc/mounts",
      "symlink etc/resolv.conf 644 0 T -> /run/resolvconf/resolv.conf",
      "dir proc 755 0 T",
      "dir sys 755 0 T",
    ]);
  });

  it("prefixes a bundle's image, its hardlink targets, and writes resolv.conf as a file", async () => {
    const image = [
      dir("."),
      file("bin/sh", "sh"),
      { ...file("bin/ash", ""), type: "hardlink" as const, linkTarget: "bin/sh", size: 0 },
      { ...dir("etc"), path: "etc/mtab", type: "symlink" as const, linkTarget: "x" },
    ];
    const out = await listing(
      filterImage(from(image), { prefix: "containers/onboot/000-a/lower", resolvConf: "file" }),
    );
    expect(out.slice(0, 4)).toEqual([
      "dir containers/onboot/000-a/lower 755 0 5",
      'file containers/onboot/000-a/lower/bin/sh 640 0 5 "sh"',
      "hardlink containers/onboot/000-a/lower/bin/ash 640 0 5 -> containers/onboot/000-a/lower/bin/sh",
      "symlink containers/onboot/000-a/lower/etc/mtab 755 0 T -> x",
    ]);
    expect(out).not.toContain(expect.stringContaining("etc/mtab 755 0 T -> /proc/mounts"));
    expect(out).toContain(
      `file containers/onboot/000-a/lower/etc/resolv.conf 644 0 T ${JSON.stringify(RESOLV_CONF_CONTENTS)}`,
    );
  });
});
