/**
 * What LinuxKit does to an image's files on the way into the root filesystem (`ImageTar`,
 * linuxkit-reference.md §3.4): drop `.dockerenv`, `Dockerfile`, `dev/console`, `dev/pts`, `dev/shm`,
 * `etc/hostname`; replace `etc/hosts` and `etc/resolv.conf` (a symlink to
 * `/run/resolvconf/resolv.conf` for init images and volumes, a "no resolv.conf" file in bundles);
 * append the "touch" list afterwards; put everything under a prefix.
 *
 * The touch list is appended as LinuxKit does it with images from its cache: the directories
 * (`dev`, `dev/pts`, `dev/shm`, `etc`, `proc`, `sys`) always — their table keys end in `/` and never
 * match an image's names — `etc/hosts` and `etc/resolv.conf` always too (a replaced file is not
 * recorded as seen), and `etc/mtab` only when the image has none.
 */
import type { FsEntry } from "@ocikit/fs";
import { CREATED_MTIME, HOSTS_CONTENTS, RESOLV_CONF_CONTENTS, RESOLV_CONF_TARGET } from "./constants.js";
import { dirEntry, fileEntry, symlinkEntry } from "./generated-entries.js";

const EXCLUDED = new Set([".dockerenv", "Dockerfile", "dev/console", "dev/pts", "dev/shm", "etc/hostname"]);

export interface ImageFilterOptions {
  /** Where the image goes, without trailing slash; "" for the root. */
  readonly prefix: string;
  /** `symlink` for init images and volumes, `file` for container bundles. */
  readonly resolvConf: "symlink" | "file";
}

/** Applies the §3.4 filters to an image's flattened entries. */
export async function* filterImage(
  entries: AsyncIterable<FsEntry>,
  options: ImageFilterOptions,
): AsyncIterable<FsEntry> {
  const at = (path: string): string =>
    options.prefix === "" ? path : path === "." ? options.prefix : `${options.prefix}/${path}`;
  let sawMtab = false;
  for await (const entry of entries) {
    const name = entry.path;
    if (EXCLUDED.has(name)) continue;
    if (name === "etc/hosts") {
      yield fileEntry(at(name), HOSTS_CONTENTS, entry.mode, entry);
      continue;
    }
    if (name === "etc/resolv.conf") {
      yield resolvConf(at(name), options.resolvConf, entry.mode, entry);
      continue;
    }
    if (name === "etc/mtab") sawMtab = true;
    yield {
      ...entry,
      path: at(name),
      ...(name === "etc/mtab" ? { mtime: CREATED_MTIME } : {}),
      ...(entry.type === "hardlink" && entry.linkTarget !== undefined
        ? { linkTarget: at(entry.linkTarget) }
        : {}),
      body: () => entry.body(),
    };
  }
  // The touch list, in sorted order of LinuxKit's table keys ("dev/", "dev/pts/", …, "sys/").
  yield dirEntry(at("dev"));
  yield dirEntry(at("dev/pts"));
  yield dirEntry(at("dev/shm"));
  yield dirEntry(at("etc"));
  yield fileEntry(at("etc/hosts"), HOSTS_CONTENTS, 0o644);
  if (!sawMtab) yield symlinkEntry(at("etc/mtab"), "/proc/mounts", 0o755);
  yield resolvConf(at("etc/resolv.conf"), options.resolvConf, 0o644, { uid: 0, gid: 0 });
  yield dirEntry(at("proc"));
  yield dirEntry(at("sys"));
}

function resolvConf(
  path: string,
  kind: "symlink" | "file",
  mode: number,
  owner: { uid: number; gid: number },
): FsEntry {
  return kind === "symlink"
    ? symlinkEntry(path, RESOLV_CONF_TARGET, mode, owner)
    : fileEntry(path, RESOLV_CONF_CONTENTS, mode, owner);
}
