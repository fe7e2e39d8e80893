// Oracle: images made by the real tools, read by readIso. `genisoimage -R -J` and `xorriso -as
// mkisofs -R -J` make images of a small tree (owners, setuid, a hard link, symlinks with a long
// target, char, block and fifo devices with a wide minor, long and UTF-8 names, an empty file, a
// directory 10 levels deep that genisoimage relocates) with an El Torito BIOS entry for Debian's
// isolinux.bin and a boot info table; xorriso's also has an EFI entry and isohybrid's MBR. The tree
// read back equals the source tree on disk (isolinux.bin as patched on the medium); the volume equals
// what `isoinfo -d` reports, the boot catalog what `xorriso -report_el_torito plain` reports, the MBR
// partitions what `sfdisk --json` reports. Without Rock Ridge (`genisoimage -J -D`), the paths are
// those `isoinfo -f` lists, without `;1`. Needs root (devices, owners), genisoimage, xorriso,
// isoinfo, sfdisk and syslinux's isolinux.
import { execFileSync } from "node:child_process";
import { chownSync, linkSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type FsEntry, headerOf } from "@ocikit/fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { directoryListing, listingOf, sh, tempDir } from "../test/iso-oracle.js";
import { patchBootInfoTable } from "./boot-info-table.js";
import { type IsoImage, readIso } from "./iso-reader.js";
import { bytesSource } from "./iso-source.js";

const ISOLINUX_BIN = "/usr/lib/ISOLINUX/isolinux.bin";
const ISOHDPFX_BIN = "/usr/lib/ISOLINUX/isohdpfx.bin";
const MTIME = "@1600000000";
const temp = tempDir();
afterAll(() => temp.remove());

/** The source tree, every mtime set to MTIME. */
function makeTree(src: string): void {
  const dir = (path: string) => mkdirSync(join(src, path), { recursive: true });
  const file = (path: string, data: string | Uint8Array, mode = 0o644) =>
    writeFileSync(join(src, path), data, { mode });
  dir("etc");
  dir("bin");
  dir("dev");
  dir("isolinux");
  dir("a/b/c/d/e/f/g/h/i/j");
  file("etc/hosts", "127.0.0.1 localhost\n");
  chownSync(join(src, "etc/hosts"), 1000, 100);
  file(`etc/${"n".repeat(200)}.conf`, "long name\n", 0o600);
  file("名前 ünï.txt", "utf-8\n");
  file("empty", "");
  file("bin/busybox", "#!/bin/busybox\n", 0o755);
  sh("chmod", ["4755", join(src, "bin/busybox")]);
  linkSync(join(src, "bin/busybox"), join(src, "bin/sh"));
  symlinkSync("../etc/hosts", join(src, "bin/hosts"));
  // Long enough to be split across SL entries; components stay short, since xorriso refuses one over
  // 255 bytes and genisoimage 1.1.11 overflows an SL entry's length byte when the rest of a target
  // after a split takes more than 255 bytes.
  symlinkSync(`/${"t".repeat(120)}/${"u".repeat(120)}/x`, join(src, "bin/far"));
  sh("mknod", ["-m", "0600", join(src, "dev/console"), "c", "5", "1"]);
  sh("mknod", ["-m", "0600", join(src, "dev/wide"), "c", "10", "300"]);
  sh("mknod", ["-m", "0660", join(src, "dev/sda"), "b", "8", "0"]);
  sh("mkfifo", ["-m", "0600", join(src, "dev/initctl")]);
  file("a/b/c/d/e/f/g/h/i/j/deep.txt", "deep\n");
  file("isolinux/isolinux.bin", readFileSync(ISOLINUX_BIN));
  file("efiboot.img", new Uint8Array(1440 * 1024).fill(0xef));
  touchAll(src);
}

function touchAll(path: string): void {
  sh("find", [path, "-exec", "touch", "-h", "-d", MTIME, "{}", "+"]);
}

const BIOS = [
  "-b",
  "isolinux/isolinux.bin",
  "-c",
  "isolinux/boot.cat",
  "-no-emul-boot",
  "-boot-load-size",
  "4",
  "-boot-info-table",
];
const TOOLS = {
  genisoimage: ["genisoimage", ["-quiet", "-R", "-J", "-V", "TESTVOL", ...BIOS]],
  xorriso: [
    "xorriso",
    [
      "-as",
      "mkisofs",
      "-quiet",
      "-R",
      "-J",
      "-V",
      "TESTVOL",
      ...BIOS,
      "-eltorito-alt-boot",
      "-e",
      "efiboot.img",
      "-no-emul-boot",
      "-isohybrid-mbr",
      ISOHDPFX_BIN,
    ],
  ],
} as const;

/** `xorriso -report_el_torito plain`: the catalog's LBA and each image's fields and path. */
function elToritoReport(iso: string) {
  const out = execFileSync("xorriso", ["-indev", iso, "-report_el_torito", "plain"], {
    stdio: ["ignore", "pipe", "ignore"],
  }).toString();
  const catalogLba = Number(out.match(/^El Torito catalog\s*:\s*(\d+)/m)![1]);
  const paths = new Map(
    [...out.matchAll(/^El Torito img path :\s+(\d+)\s+\/(\S+)/gm)].map((m) => [m[1], m[2]]),
  );
  const images = [
    ...out.matchAll(
      /^El Torito boot img :\s+(\d+)\s+(\S+)\s+([yn])\s+(\S+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\d+)\s+(\d+)/gm,
    ),
  ].map((m) => ({
    platform: m[2] === "BIOS" ? "bios" : m[2] === "UEFI" ? "efi" : m[2],
    bootable: m[3] === "y",
    emulation: m[4],
    loadSegment: Number(m[5]),
    systemType: Number(m[6]),
    sectorCount: Number(m[7]),
    lba: Number(m[8]),
    path: paths.get(m[1]!),
  }));
  return { catalogLba, images };
}

/** The partitions `sfdisk --json` reads, or undefined when there is no partition table. */
function sfdiskPartitions(iso: string) {
  let out: string;
  try {
    out = execFileSync("sfdisk", ["--json", iso], { stdio: ["ignore", "pipe", "ignore"] }).toString();
  } catch {
    // sfdisk exits non-zero on a disk without a partition table: there is no MBR to compare with.
    return undefined;
  }
  const table = JSON.parse(out).partitiontable as {
    partitions: { node: string; start: number; size: number; type: string; bootable?: boolean }[];
  };
  return table.partitions.map((p) => ({
    number: Number(p.node.slice(iso.length)),
    active: p.bootable === true,
    type: Number.parseInt(p.type, 16),
    firstSector: p.start,
    sectors: p.size,
  }));
}

/** The fields `isoinfo -d` prints. */
function isoinfoVolume(iso: string) {
  const out = sh("isoinfo", ["-d", "-i", iso]);
  const field = (name: string) => out.match(new RegExp(`^${name}: ?(.*)$`, "m"))![1]!.trimEnd();
  return {
    volumeId: field("Volume id"),
    systemId: field("System id"),
    publisherId: field("Publisher id"),
    applicationId: field("Application id"),
    sizeBytes: Number(field("Volume size is")) * 2048,
    rockRidge: out.includes("Rock Ridge signatures version 1 found"),
    joliet: out.includes("Joliet with UCS level 3 found"),
  };
}

async function bodyOf(image: IsoImage, path: string): Promise<Buffer> {
  for await (const e of image.entries()) {
    if (e.path !== path) continue;
    const parts: Uint8Array[] = [];
    for await (const chunk of e.body()) parts.push(chunk);
    return Buffer.concat(parts);
  }
  throw new Error(`${path} is not in the image`);
}

async function* without(entries: AsyncIterable<FsEntry>, path: string): AsyncIterable<FsEntry> {
  for await (const e of entries) if (e.path !== path) yield e;
}

describe.each(Object.keys(TOOLS) as (keyof typeof TOOLS)[])("readIso on %s's image", (tool) => {
  const src = join(temp.path, tool, "src");
  const isoPath = join(temp.path, tool, "image.iso");
  let image: IsoImage;
  let iso: Buffer;
  beforeAll(async () => {
    makeTree(src);
    const [program, args] = TOOLS[tool];
    sh(program, [...args, "-o", isoPath, src], { cwd: join(temp.path, tool) });
    iso = readFileSync(isoPath);
    image = await readIso(bytesSource(iso));
  });

  it("reads the volume as isoinfo -d does", () => {
    const { systemId, ...rest } = isoinfoVolume(isoPath);
    expect({ ...image.volume, recordedAt: undefined }).toEqual({
      ...rest,
      ...(systemId !== "" ? { systemId } : {}),
      recordedAt: undefined,
    });
    expect(image.volume).toMatchObject({ volumeId: "TESTVOL", rockRidge: true, joliet: true });
  });

  it("reads the boot catalog as xorriso -report_el_torito does, each image with its path", () => {
    const report = elToritoReport(isoPath);
    expect(image.boot?.catalogLba).toBe(report.catalogLba);
    expect(image.boot?.catalogPath).toBe("isolinux/boot.cat");
    expect(image.boot?.entries).toEqual(report.images);
    expect(image.boot?.entries.map((e) => e.path)).toEqual(
      tool === "xorriso" ? ["isolinux/isolinux.bin", "efiboot.img"] : ["isolinux/isolinux.bin"],
    );
  });

  it("reads the MBR's partitions as sfdisk does (isohybrid), and none without an MBR", () => {
    const partitions = sfdiskPartitions(isoPath);
    expect(image.isohybrid?.partitions).toEqual(partitions);
    if (tool === "xorriso")
      expect(partitions).toEqual([expect.objectContaining({ number: 1, active: true })]);
    else expect(image.isohybrid).toBeUndefined();
  });

  it("reads the tree as it is on disk: names, types, modes, owners, times, targets, devices, bytes", async () => {
    // The medium holds isolinux.bin with its boot info table filled in.
    const bios = image.boot!.entries[0]!;
    const patched = new Uint8Array(readFileSync(ISOLINUX_BIN));
    patchBootInfoTable(patched, 16, bios.lba);
    writeFileSync(join(src, "isolinux/isolinux.bin"), patched);
    touchAll(join(src, "isolinux/isolinux.bin"));
    expect(await listingOf(without(image.entries(), "isolinux/boot.cat"))).toEqual(directoryListing(src));
    const catalog = image.boot!.catalogLba;
    expect(
      (await bodyOf(image, "isolinux/boot.cat")).equals(iso.subarray(catalog * 2048, (catalog + 1) * 2048)),
    ).toBe(true);
  });

  it("gives symlinks their owners, and the wide device its numbers", async () => {
    const headers = new Map<string, ReturnType<typeof headerOf>>();
    for await (const e of image.entries()) headers.set(e.path, headerOf(e));
    expect(headers.get("bin/far")).toMatchObject({
      type: "symlink",
      uid: 0,
      linkTarget: `/${"t".repeat(120)}/${"u".repeat(120)}/x`,
    });
    expect(headers.get("dev/wide")).toMatchObject({ type: "char", devMajor: 10, devMinor: 300 });
  });
});

describe("readIso on genisoimage's image without Rock Ridge", () => {
  it("lists the ISO 9660 names isoinfo -f lists, without ;1", async () => {
    const src = join(temp.path, "plain", "src");
    makeTree(src);
    const isoPath = join(temp.path, "plain", "image.iso");
    sh("genisoimage", ["-quiet", "-J", "-D", "-V", "PLAIN", "-o", isoPath, src]);
    const image = await readIso(bytesSource(readFileSync(isoPath)));
    expect(image.volume).toMatchObject({ volumeId: "PLAIN", rockRidge: false, joliet: true });
    const paths: string[] = [];
    for await (const e of image.entries()) if (e.path !== ".") paths.push(e.path);
    const listed = sh("isoinfo", ["-f", "-i", isoPath])
      .trim()
      .split("\n")
      .map((line) => line.slice(1).replace(/;\d+$/, "").replace(/\.$/, ""));
    expect(paths.sort()).toEqual(listed.sort());
    expect(paths).toContain("ETC/HOSTS");
  });
});
