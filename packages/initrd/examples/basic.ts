/**
 * Write a small initrd as `ocikit build` does — an uncompressed microcode archive, then a gzip
 * member holding the root filesystem — and list it as the kernel will unpack it. Run from the
 * repository root with:
 *   node --conditions=source --import tsx packages/initrd/examples/basic.ts
 */
import { entryFromBytes, type FsEntry, type FsHeader } from "@ocikit/fs";
import { gzipMember, InitrdError, readInitrd, writeNewc } from "@ocikit/initrd";

const MTIME = 1_492_533_000;
const text = (s: string) => new TextEncoder().encode(s);
const meta = (path: string, type: FsHeader["type"], mode: number) => ({
  path,
  type,
  mode,
  uid: 0,
  gid: 0,
  mtime: MTIME,
});
const special = (header: Omit<FsHeader, "size">): FsEntry => entryFromBytes(header, new Uint8Array(0));

async function* microcode(): AsyncIterable<FsEntry> {
  yield special(meta("kernel", "dir", 0o755));
  yield entryFromBytes(meta("kernel/GenuineIntel.bin", "file", 0o644), text("microcode blob"));
}

async function* rootfs(): AsyncIterable<FsEntry> {
  yield special(meta(".", "dir", 0o755));
  yield special(meta("bin", "dir", 0o755));
  yield entryFromBytes(meta("bin/sh", "file", 0o755), text("#!/bin/busybox sh\n"));
  yield special({ ...meta("bin/ash", "hardlink", 0o755), linkTarget: "bin/sh" }); // becomes bin/ash -> sh
  yield special(meta("dev", "dir", 0o755));
  yield special({ ...meta("dev/console", "char", 0o600), devMajor: 5, devMinor: 1 });
  yield special(meta("etc", "dir", 0o755));
  yield special({ ...meta("etc/resolv.conf", "symlink", 0o777), linkTarget: "/run/resolvconf/resolv.conf" });
}

async function* concat(...streams: AsyncIterable<Uint8Array>[]): AsyncIterable<Uint8Array> {
  for (const stream of streams) yield* stream;
}

async function* one<T>(item: T): AsyncIterable<T> {
  yield item;
}

/** Returns what the example prints, so a test can check it. */
export async function runExample(): Promise<string> {
  // In a build this stream goes to a file: writeFile("x-initrd.img", concat(...)).
  const parts: Uint8Array[] = [];
  for await (const chunk of concat(writeNewc(microcode()), gzipMember(writeNewc(rootfs()))))
    parts.push(chunk);
  const initrd = Buffer.concat(parts);
  let out = `initrd of ${initrd.length} bytes\n`;
  for await (const e of readInitrd(one(initrd))) {
    const target = e.linkTarget === undefined ? "" : ` -> ${e.linkTarget}`;
    const device = e.devMajor === undefined ? "" : ` ${e.devMajor},${e.devMinor}`;
    out += `member ${e.member} (${e.compression}) ino ${e.newc.ino} ${e.type} ${e.mode.toString(8)} ${e.path}${target}${device}\n`;
  }
  try {
    const huge: FsEntry = {
      ...meta("huge.img", "file", 0o644),
      size: 2 ** 32,
      body: () => one(new Uint8Array(0)),
    };
    for await (const _ of writeNewc(one(huge))) {
      // nothing is written for a refused member
    }
  } catch (error) {
    if (error instanceof InitrdError) out += `${error.code}: ${error.message}\n`;
  }
  return out;
}

if (process.argv[1]?.endsWith("basic.ts")) runExample().then((out) => process.stdout.write(out));
