// Oracle: images written by planIso + writeIso, read by real tools. isoinfo (genisoimage) reads the
// volume descriptors and lists the Rock Ridge, Joliet and plain ISO 9660 trees; xorriso extracts the
// tree through Rock Ridge (as root: owners, modes, devices, setuid bits), through Joliet and through
// plain ISO 9660, reports the El Torito catalog and checks the medium. A property test writes random
// trees and reads them back. Needs root, xorriso and isoinfo (tools/dev/setup.sh installs them).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  directoryListing,
  entry,
  expectedListing,
  extractWithXorriso,
  header,
  isoOf,
  randomTree,
  sh,
  tempDir,
} from "../test/iso-oracle.js";
import { ISO_DEFAULTS } from "./iso-plan.js";

const RECORDED = Math.floor(ISO_DEFAULTS.recordedAt.getTime() / 1000);
const temp = tempDir();
afterAll(() => temp.remove());

const tree = [
  entry(header(".", "dir", 0o755)),
  entry(header("etc", "dir", 0o755)),
  entry(header("etc/hosts", "file", 0o644, { uid: 1000, gid: 100 }), "127.0.0.1 localhost\n"),
  entry(header("etc/a-very-long-configuration-file-name-that-goes-on.conf", "file", 0o600), "x".repeat(5000)),
  entry(header("bin", "dir", 0o755)),
  entry(header("bin/busybox", "file", 0o4755), "#!/bin/busybox\n"),
  entry({ ...header("bin/sh", "hardlink", 0o755), linkTarget: "bin/busybox" }),
  entry({ ...header("bin/hosts", "symlink", 0o777, { uid: 1000, gid: 5 }), linkTarget: "../etc/hosts" }),
  entry({ ...header("dev/console", "char", 0o600), devMajor: 5, devMinor: 1 }),
  entry({ ...header("dev/sda", "block", 0o660, { gid: 6 }), devMajor: 8, devMinor: 0 }),
  entry(header("run/initctl", "fifo", 0o600)),
  entry(header("a/b/c/d/e/f/g/h/i/deep.txt", "file", 0o644), "deep\n"),
  entry(header("empty", "file", 0o644)),
  entry(header("ünïcödé 名前.txt", "file", 0o644), "utf-8\n"),
];

async function writeTemp(name: string, bytes: Uint8Array): Promise<string> {
  const path = join(temp.path, name);
  writeFileSync(path, bytes);
  return path;
}

describe("isoinfo reads what writeIso writes", async () => {
  const iso = await writeTemp("basic.iso", await isoOf(tree, { volumeId: "OCIKIT_TEST" }));

  it("finds the primary volume descriptor, Joliet and Rock Ridge (isoinfo -d)", () => {
    const d = sh("isoinfo", ["-d", "-i", iso]);
    expect(d).toContain("Volume id: OCIKIT_TEST");
    expect(d).toContain("Publisher id: OCIKIT");
    expect(d).toContain("Application id: OCIKIT");
    expect(d).toContain("Logical block size is: 2048");
    expect(d).toContain("Joliet with UCS level 3 found");
    expect(d).toContain("Rock Ridge signatures version 1 found");
    expect(d).toMatch(/Volume size is: \d+/);
  });

  it("lists names, modes, owners, sizes and link targets through Rock Ridge (isoinfo -R -l)", () => {
    const listing = isoinfoListing(sh("isoinfo", ["-R", "-l", "-i", iso]));
    expect(listing).toContain("/etc/hosts\t-rw-r--r-- 1000:100 20");
    expect(listing).toContain(
      "/etc/a-very-long-configuration-file-name-that-goes-on.conf\t-rw------- 0:0 5000",
    );
    // isoinfo shows the setuid bit as a plain x and a fifo as "f"; xorriso's extraction checks both.
    expect(listing).toContain("/bin/busybox\t-rwxr-xr-x 0:0 15");
    expect(listing).toContain("/bin/sh\t-rwxr-xr-x 0:0 15");
    expect(listing).toContain("/bin/hosts\tlrwxrwxrwx 1000:5 0 -> ../etc/hosts");
    expect(listing).toContain("/dev/console\tcrw------- 0:0 0");
    expect(listing).toContain("/dev/sda\tbrw-rw---- 0:6 0");
    expect(listing).toContain("/run/initctl\tfrw------- 0:0 0");
    expect(listing).toContain("/empty\t-rw-r--r-- 0:0 0");
    expect(listing).toContain("/ünïcödé 名前.txt\t-rw-r--r-- 0:0 6");
  });

  it("lists Joliet names (isoinfo -J -l) and plain ISO 9660 identifiers (isoinfo -l)", () => {
    const joliet = isoinfoListing(sh("isoinfo", ["-J", "-l", "-i", iso])).map((l) => l.split("\t")[0]);
    expect(joliet).toContain("/etc/a-very-long-configuration-file-name-that-goes-on.conf");
    expect(joliet).toContain("/a/b/c/d/e/f/g/h/i/deep.txt");
    const plain = isoinfoListing(sh("isoinfo", ["-l", "-i", iso])).map((l) => l.split("\t")[0]);
    expect(plain).toContain("/ETC/HOSTS.;1");
    expect(plain).toContain("/ETC/A_VERY_LONG_CONFIGURATION_.CONF;1");
    expect(plain).toContain("/RR_MOVED/H/I/DEEP.TXT;1");
  });
});

describe("xorriso extracts what writeIso writes", async () => {
  const iso = await writeTemp("extract.iso", await isoOf(tree));

  it("gives back the tree through Rock Ridge, as root: owners, modes, devices, links, times", async () => {
    const out = join(temp.path, "rr");
    extractWithXorriso(iso, out);
    const got = directoryListing(out);
    expect(got.filter((l) => l.startsWith(".rr_moved"))).toEqual([`.rr_moved\tdir 0555 0:0 @${RECORDED}`]);
    expect(got.filter((l) => !l.startsWith(".rr_moved"))).toEqual(await expectedListing(tree, RECORDED));
  });

  it("gives back the real hierarchy and names through Joliet", () => {
    const out = join(temp.path, "joliet");
    extractWithXorriso(iso, out, "joliet");
    const names = directoryListing(out).map((l) => l.split("\t")[0]);
    expect(names).toContain("ünïcödé 名前.txt");
    expect(names).toContain("a/b/c/d/e/f/g/h/i/deep.txt");
    expect(names).toContain("etc/a-very-long-configuration-file-name-that-goes-on.conf");
  });

  it("gives back ISO 9660 identifiers and the relocated directories without Rock Ridge", () => {
    const out = join(temp.path, "plain");
    extractWithXorriso(iso, out, "ecma119");
    const names = directoryListing(out).map((l) => l.split("\t")[0]);
    expect(names).toContain("_N_C_D____.TXT");
    expect(names).toContain("RR_MOVED/H/I/DEEP.TXT");
    expect(names).toContain("A/B/C/D/E/F/G/H");
  });

  it("keeps symlink owners, which extraction does not set (xorriso -lsl)", () => {
    expect(sh("xorriso", ["-indev", iso, "-lsl", "/bin/hosts"])).toMatch(
      /lrwxrwxrwx\s+1\s+1000\s+5\s.*'\/bin\/hosts' -> '..\/etc\/hosts'/,
    );
  });

  it("finds every block readable (xorriso -check_media)", () => {
    expect(sh("xorriso", ["-indev", iso, "-check_media", "--"])).toMatch(
      /Media region :\s+0 ,\s+\d+ , \+ good/,
    );
  });

  it("writes the same bytes twice", async () => {
    expect((await isoOf(tree)).equals(await isoOf(tree))).toBe(true);
  });
});

describe("property: random trees read back through xorriso", () => {
  it.each([1, 2, 3, 4, 5])("seed %i", async (seed) => {
    const entries = randomTree(seed);
    const iso = await writeTemp(`random-${seed}.iso`, await isoOf(entries));
    const out = join(temp.path, `random-${seed}`);
    extractWithXorriso(iso, out);
    const got = directoryListing(out).filter((l) => !l.startsWith(".rr_moved"));
    expect(got).toEqual(await expectedListing(entries, RECORDED));
  });
});

/** isoinfo's listing as `path mode uid:gid size[ -> target]` lines (it prints owners in octal). */
function isoinfoListing(text: string): string[] {
  const lines: string[] = [];
  let dir = "/";
  for (const row of text.split("\n")) {
    const heading = /^Directory listing of (.*)$/.exec(row);
    if (heading) {
      dir = heading[1]!;
      continue;
    }
    const m = /^(\S{10})\s+\d+\s+(\d+)\s+(\d+)\s+(\d+)\s+\w{3} \d\d \d{4} \[\s*\d+ \d\d\]\s\s(.*?)\s?$/.exec(
      row,
    );
    if (!m || m[5] === "." || m[5] === "..") continue;
    const [, mode, uid, gid, size, name] = m;
    const [path, target] = name!.split(" -> ");
    const owner = `${Number.parseInt(uid!, 8)}:${Number.parseInt(gid!, 8)}`;
    lines.push(`${dir}${path}\t${mode} ${owner} ${size}${target === undefined ? "" : ` -> ${target}`}`);
  }
  return lines;
}
