// Round trips: images written by planIso + writeIso read back by readIso to the same volume, boot
// catalog, isohybrid partitions, headers and bytes (deep relocated directories, long and UTF-8 names,
// symlinks, devices, fifos, empty files, hard links, El Torito BIOS + EFI, isohybrid); then what a
// damaged image gives: ISO_BAD_IMAGE naming the LBA, never a loop.
import { type FsEntry, headerOf } from "@ocikit/fs";
import { describe, expect, it } from "vitest";
import { collect, entry, expectedListing, header, isoOf, listingOf, randomTree } from "../test/iso-oracle.js";
import { patchBootInfoTable } from "./boot-info-table.js";
import type { IsoLayout } from "./iso-layout.js";
import { type IsoOptions, planIso } from "./iso-plan.js";
import { readIso } from "./iso-reader.js";
import { bytesSource, type IsoSource } from "./iso-source.js";
import { writeIso } from "./iso-writer.js";
import { ISOLINUX_HYBRID_SIGNATURE } from "./isohybrid-mbr.js";
import { systemUseEntryToBytes } from "./system-use-entry.js";

const RECORDED = 1_700_000_000;

/** Something isohybrid takes for isolinux.bin: its signature at byte 64. */
const isolinux = new Uint8Array(6000).map((_, i) => (i * 7) & 0xff);
isolinux.set(ISOLINUX_HYBRID_SIGNATURE, 64);
const efiImage = new Uint8Array(70_000).fill(0xef);

const tree: FsEntry[] = [
  entry(header(".", "dir", 0o755, { mtime: 1_500_000_000 })),
  entry(header("etc", "dir", 0o750, { uid: 5, gid: 6 })),
  entry(header("etc/hosts", "file", 0o644, { uid: 1000, gid: 100 }), "127.0.0.1 localhost\n"),
  entry(header(`etc/${"long-name-".repeat(25)}end`, "file", 0o600), "x".repeat(5000)),
  entry(header("bin/busybox", "file", 0o4755), "#!/bin/busybox\n"),
  entry({ ...header("bin/sh", "hardlink", 0o755), linkTarget: "bin/busybox" }),
  entry({ ...header("bin/hosts", "symlink", 0o777, { uid: 1000, gid: 5 }), linkTarget: "../etc/hosts" }),
  entry({ ...header("bin/far", "symlink", 0o777), linkTarget: `/${"t".repeat(700)}/x` }),
  entry({ ...header("dev/console", "char", 0o600), devMajor: 5, devMinor: 1 }),
  entry({ ...header("dev/wide", "char", 0o600), devMajor: 10, devMinor: 300 }),
  entry({ ...header("dev/sda", "block", 0o660, { gid: 6 }), devMajor: 8, devMinor: 0 }),
  entry(header("run/initctl", "fifo", 0o600)),
  entry(header("a/b/c/d/e/f/g/h/i/j/k/deep.txt", "file", 0o644), "deep\n"),
  entry(header("a/b/c/d/e/f/g/h/i/other", "dir", 0o700, { uid: 7 })),
  entry(header("empty", "file", 0o644)),
  entry(header("ünïcödé 名前 😀.txt", "file", 0o644), "utf-8\n"),
  entry(
    header("big", "file", 0o644),
    new Uint8Array(3 * 1024 * 1024 + 5).map((_, i) => i % 251),
  ),
  entry(header("isolinux/isolinux.bin", "file", 0o444), isolinux),
  entry(header("boot/efi.img", "file", 0o444), efiImage),
];

const bootOptions: IsoOptions = {
  volumeId: "OCIKIT_READ",
  recordedAt: new Date(RECORDED * 1000),
  boot: {
    catalogPath: "isolinux/boot.cat",
    entries: [
      { platform: "bios", path: "isolinux/isolinux.bin", bootInfoTable: true },
      { platform: "efi", path: "boot/efi.img" },
    ],
    isohybrid: { mbrTemplate: new Uint8Array(432).fill(0xcc), efiPartition: true },
  },
};

async function* each<T>(items: readonly T[]): AsyncIterable<T> {
  yield* items;
}

async function written(
  entries: readonly FsEntry[],
  options: IsoOptions,
): Promise<{ layout: IsoLayout; iso: Buffer }> {
  const layout = planIso(entries.map(headerOf), options);
  return { layout, iso: await collect(writeIso(layout, each(entries))) };
}

async function headersOf(entries: AsyncIterable<FsEntry>): Promise<ReturnType<typeof headerOf>[]> {
  const out = [];
  for await (const e of entries) out.push(headerOf(e));
  return out;
}

describe("readIso reads what writeIso writes", async () => {
  const { layout, iso } = await written(tree, bootOptions);
  const image = await readIso(bytesSource(iso));
  const boot = layout.boot!;

  it("reads the volume", () => {
    expect(image.volume).toEqual({
      volumeId: "OCIKIT_READ",
      publisherId: "OCIKIT",
      applicationId: "OCIKIT",
      recordedAt: new Date(RECORDED * 1000),
      sizeBytes: layout.volumeSpaceSectors * 2048,
      rockRidge: true,
      joliet: true,
    });
    expect(image.volume.sizeBytes).toBe(iso.length);
  });

  it("reads the boot catalog, each entry with the path of its image", () => {
    expect(image.boot).toEqual({
      catalogLba: boot.catalogLba,
      catalogPath: "isolinux/boot.cat",
      entries: boot.entries.map((e) => ({
        platform: e.platform,
        bootable: true,
        emulation: "none",
        loadSegment: 0,
        systemType: 0,
        sectorCount: e.sectorCount,
        lba: e.lba,
        path: e.path,
      })),
    });
    expect(image.boot?.entries.map((e) => [e.platform, e.sectorCount])).toEqual([
      ["bios", 4],
      ["efi", Math.ceil(efiImage.length / 512)],
    ]);
  });

  it("reads the isohybrid MBR's partitions: the whole image (type 0, active), the EFI image (0xEF)", () => {
    const efi = boot.entries[1]!;
    expect(image.isohybrid).toEqual({
      partitions: [
        { number: 1, active: true, type: 0, firstSector: 0, sectors: iso.length / 512 },
        {
          number: 2,
          active: false,
          type: 0xef,
          firstSector: efi.lba * 4,
          sectors: Math.ceil(efi.sizeBytes / 512),
        },
      ],
    });
  });

  it("reads the tree: names, types, modes, owners, times, targets, devices and bytes", async () => {
    const patched = Uint8Array.from(isolinux);
    patchBootInfoTable(patched, 16, boot.entries[0]!.lba);
    const catalog = iso.subarray(boot.catalogLba * 2048, (boot.catalogLba + 1) * 2048);
    const want = [
      ...tree.filter((e) => e.path !== "isolinux/isolinux.bin"),
      entry(header("isolinux/isolinux.bin", "file", 0o444), patched),
      entry(header("isolinux/boot.cat", "file", 0o444, { mtime: RECORDED }), catalog),
    ];
    expect(await listingOf(image.entries())).toEqual(await expectedListing(want, RECORDED));
  });

  it("gives symlinks their owners and times, the root first and each directory before its contents", async () => {
    const headers = await headersOf(image.entries());
    expect(headers.find((h) => h.path === "bin/hosts")).toEqual({
      path: "bin/hosts",
      type: "symlink",
      mode: 0o777,
      uid: 1000,
      gid: 5,
      mtime: 1_600_000_000,
      size: 0,
      linkTarget: "../etc/hosts",
    });
    expect(headers[0]).toMatchObject({ path: ".", type: "dir", mode: 0o755, mtime: 1_500_000_000 });
    const paths = headers.map((h) => h.path);
    for (const [i, path] of paths.entries()) {
      const parent = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
      if (path !== ".") expect(paths.indexOf(parent), path).toBeLessThan(i);
    }
    expect(paths).not.toContain(".rr_moved"); // the relocated directories are back in place
    expect(paths).toContain("a/b/c/d/e/f/g/h/i/j/k/deep.txt");
  });

  it("reads bodies lazily, in any order, as often as entries() is called", async () => {
    const files = new Map<string, FsEntry>();
    for await (const e of image.entries()) if (e.type === "file") files.set(e.path, e);
    const text = async (e: FsEntry) => {
      const parts: Uint8Array[] = [];
      for await (const chunk of e.body()) parts.push(chunk);
      return Buffer.concat(parts).toString();
    };
    expect(await text(files.get("etc/hosts")!)).toBe("127.0.0.1 localhost\n");
    expect(await text(files.get("bin/sh")!)).toBe("#!/bin/busybox\n"); // a hard link: the same bytes
    expect(await text(files.get("empty")!)).toBe("");
    expect(await listingOf(image.entries())).toEqual(await listingOf(image.entries()));
  });

  it("reads in chunks of chunkBytes", async () => {
    const small = await readIso(bytesSource(iso), { chunkBytes: 4096 });
    for await (const e of small.entries()) {
      if (e.path !== "big") continue;
      const sizes: number[] = [];
      for await (const chunk of e.body()) sizes.push(chunk.length);
      expect(Math.max(...sizes)).toBe(4096);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(e.size);
    }
  });

  it("reads an image it rewrote from what it read to the same bytes again (a fixed point)", async () => {
    const again = async (bytes: Uint8Array) => {
      const read = await readIso(bytesSource(bytes));
      const entries: FsEntry[] = [];
      for await (const e of read.entries()) if (e.path !== "isolinux/boot.cat") entries.push(e);
      return (await written(entries, bootOptions)).iso;
    };
    const once = await again(iso);
    expect((await again(once)).equals(once)).toBe(true);
  });
});

describe("readIso, other images of ours", () => {
  it.each([1, 2, 3, 4, 5])("reads random tree %i back to its listing", async (seed) => {
    const entries = randomTree(seed);
    const iso = await isoOf(entries, { recordedAt: new Date(RECORDED * 1000) });
    const image = await readIso(bytesSource(iso));
    expect(await listingOf(image.entries())).toEqual(await expectedListing(entries, RECORDED));
  });

  it("without Rock Ridge: ISO 9660 names without ;1, directories 0555, files 0444, 0:0", async () => {
    const entries = [
      entry(header("etc/hosts", "file", 0o644, { uid: 5 }), "x"),
      entry(header("etc/resolv.conf", "file", 0o644), "y"),
      entry({ ...header("link", "symlink", 0o777), linkTarget: "etc" }),
    ];
    const image = await readIso(bytesSource(await isoOf(entries, { rockRidge: false, joliet: false })));
    expect(image.volume).toMatchObject({ rockRidge: false, joliet: false });
    expect(image.boot).toBeUndefined();
    expect(image.isohybrid).toBeUndefined();
    const headers = await headersOf(image.entries());
    expect(
      headers.map((h) => `${h.type} ${h.mode.toString(8)} ${h.uid}:${h.gid} ${h.path} ${h.size}`),
    ).toEqual([
      "dir 555 0:0 . 0",
      "dir 555 0:0 ETC 0",
      "file 444 0:0 ETC/HOSTS 1",
      "file 444 0:0 ETC/RESOLV.CONF 1",
      "file 444 0:0 LINK 0", // a symlink has no data and nothing to say what it is
    ]);
    expect(headers.every((h) => h.mtime === RECORDED || h.mtime === 1_492_533_000)).toBe(true);
  });
});

describe("readIso refuses damaged images with ISO_BAD_IMAGE, naming where", () => {
  const small = [
    entry(header("etc/hosts", "file", 0o644), "hello\n"),
    entry(header("a/b", "dir", 0o755)),
    entry(header("a/b/c/d/e/f/g/h/i/j", "dir", 0o755)),
  ];
  const base = async () => written(small, {});
  /** The byte offset of the record of `path`'s child `name` in its directory, from the layout. */
  const recordAt = (layout: IsoLayout, dir: string, index: number) => {
    const d = layout.primary.directories.find((x) => x.path === dir)!;
    return d.lba * 2048 + d.records[index]!.offset;
  };
  const setBoth32 = (bytes: Uint8Array, at: number, value: number) => {
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    view.setUint32(at, value, true);
    view.setUint32(at + 4, value, false);
  };

  it.each<[string, (iso: Buffer, layout: IsoLayout) => Uint8Array, RegExp, "open" | "walk"]>([
    ["zeros", () => new Uint8Array(40_000), /LBA 16: no "CD001"; not an ISO 9660 image/, "open"],
    ["too few bytes", () => new Uint8Array(1000), /too few for ISO 9660/, "open"],
    [
      "no terminator",
      (iso, layout) => {
        const copy = Uint8Array.from(iso);
        copy.fill(0, layout.terminatorLba * 2048, (layout.terminatorLba + 1) * 2048);
        return copy;
      },
      /LBA \d+: no "CD001" before the volume descriptor set terminator/,
      "open",
    ],
    [
      "a cut before the file data",
      (iso, layout) => iso.subarray(0, layout.dataLba * 2048),
      /directory etc at LBA \d+, record at byte \d+ \(hosts\): its extent at LBA \d+ of 6 bytes ends past the image's end \(\d+ bytes\); the image is truncated/,
      "walk",
    ],
    [
      "a directory record pointing back at the root (a cycle)",
      (iso, layout) => {
        const copy = Uint8Array.from(iso);
        const root = layout.primary.directories[0]!;
        // "a" is the root's first child (records: ".", "..", "a", "etc").
        setBoth32(copy, recordAt(layout, ".", 2) + 2, root.lba);
        return copy;
      },
      /directory a at LBA \d+: the same extent is directory \.; the tree has a cycle/,
      "walk",
    ],
    [
      "a CL pointing at an ancestor (a cycle through relocation)",
      (iso, layout) => {
        const copy = Uint8Array.from(iso);
        const cl = Buffer.from(copy).indexOf(Buffer.from([0x43, 0x4c, 12, 1]));
        setBoth32(copy, cl + 4, layout.primary.directories.find((d) => d.path === "a")!.lba);
        return copy;
      },
      /the same extent is directory a;/,
      "walk",
    ],
    [
      "a record shorter than its identifier",
      (iso, layout) => {
        const copy = Uint8Array.from(iso);
        copy[recordAt(layout, "etc", 2)] = 36; // HOSTS.;1 needs 33 + 8 bytes
        return copy;
      },
      /directory etc at LBA \d+, record at byte \d+: 36 bytes with a 8-byte identifier do not fit/,
      "walk",
    ],
    [
      "a Rock Ridge name that climbs out (NM ../x)",
      (iso, layout) => {
        const copy = Uint8Array.from(iso);
        const nm = Buffer.from(copy).indexOf(
          Buffer.from(systemUseEntryToBytes({ signature: "NM", continues: false, name: "hosts" })),
        );
        copy.set(systemUseEntryToBytes({ signature: "NM", continues: false, name: "../xx" }), nm);
        expect(nm).toBeGreaterThan(recordAt(layout, "etc", 2));
        return copy;
      },
      /directory etc at LBA \d+, record at byte \d+: the name "\.\.\/xx" cannot be a path component/,
      "walk",
    ],
    [
      "a CE that points at itself",
      (iso, layout) => {
        const copy = Uint8Array.from(iso);
        const at = recordAt(layout, "etc", 2);
        const identifierLength = copy[at + 32]!;
        const area = at + 33 + identifierLength + (identifierLength % 2 === 0 ? 1 : 0);
        // The area's first entry (PX, 44 bytes) becomes a CE to itself; PX's zero gid ends the area.
        const place = { lba: Math.floor(area / 2048), offset: area % 2048, length: 28 };
        copy.set(systemUseEntryToBytes({ signature: "CE", ...place }), area);
        return copy;
      },
      /continuation area at LBA \d+ offset \d+: a record chains more than 32 continuation areas/,
      "walk",
    ],
    [
      "a boot catalog that is not one",
      (iso) => iso,
      /boot catalog at LBA \d+: no valid validation entry/,
      "open",
    ],
  ])("%s", async (name, damage, message, when) => {
    let { iso, layout } = await base();
    if (name === "a boot catalog that is not one") {
      ({ iso, layout } = await written(tree, bootOptions));
      iso = Buffer.from(iso);
      iso.fill(0, layout.boot!.catalogLba * 2048, (layout.boot!.catalogLba + 1) * 2048);
    }
    const source = bytesSource(damage(iso, layout));
    const read = async () => {
      const image = await readIso(source);
      if (when === "walk") await listingOf(image.entries());
    };
    if (when === "walk") await expect(readIso(source)).resolves.toBeDefined();
    await expect(read()).rejects.toMatchObject({
      code: "ISO_BAD_IMAGE",
      message: expect.stringMatching(message),
    });
  });

  it.each([0, -1, 1.5, Number.NaN])("refuses chunkBytes %s (ISO_BAD_OPTION)", async (chunkBytes) => {
    const { iso } = await base();
    await expect(readIso(bytesSource(iso), { chunkBytes })).rejects.toMatchObject({ code: "ISO_BAD_OPTION" });
  });

  it("refuses a source that gives fewer bytes than it claims", async () => {
    const { iso } = await base();
    const short: IsoSource = {
      sizeBytes: iso.length,
      read: async (position, length) => iso.subarray(position, position + Math.min(length, 100)),
    };
    await expect(readIso(short)).rejects.toMatchObject({
      code: "ISO_BAD_IMAGE",
      message: expect.stringMatching(
        /volume descriptor at LBA 16: bytes 32768 to 34816 are past the image's end \(32868 bytes\)/,
      ),
    });
  });
});
