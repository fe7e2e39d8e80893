import type { FsHeader } from "@ocikit/fs";
import { describe, expect, it } from "vitest";
import { directoryRecordLength } from "./directory-record.js";
import type { IsoLayout, IsoRecordLayout } from "./iso-layout.js";
import { ISO_DEFAULTS, type IsoOptions, planIso } from "./iso-plan.js";
import { systemUseEntryLength } from "./system-use-entry.js";

const RECORDED = Math.floor(ISO_DEFAULTS.recordedAt.getTime() / 1000);

function h(path: string, type: FsHeader["type"], extra: Partial<FsHeader> = {}): FsHeader {
  return {
    path,
    type,
    mode: type === "dir" ? 0o755 : 0o644,
    uid: 0,
    gid: 0,
    mtime: 1_600_000_000,
    size: 0,
    ...extra,
  };
}
const file = (path: string, size: number, extra: Partial<FsHeader> = {}) =>
  h(path, "file", { size, ...extra });

/** The primary record of `path` (e.g. "etc/hosts") in `layout`. */
function record(layout: IsoLayout, path: string): IsoRecordLayout & { names: string } {
  const parent = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
  const name = path.slice(path.lastIndexOf("/") + 1);
  const dir = layout.primary.directories.find((d) => d.path === parent)!;
  const found = dir.records.find((r) => r.systemUse.some((e) => e.signature === "NM" && e.name === name))!;
  return { ...found, names: name };
}

const tree: FsHeader[] = [
  h(".", "dir"),
  h("etc", "dir"),
  file("etc/hosts", 20),
  file("etc/big", 5000),
  file("bin/busybox", 100, { mode: 0o4755 }),
  h("bin/sh", "hardlink", { linkTarget: "bin/busybox" }),
  h("bin/hosts", "symlink", { linkTarget: "../etc/hosts" }),
  h("dev/console", "char", { devMajor: 5, devMinor: 1 }),
  file("empty", 0),
];

describe("planIso", () => {
  it("is deterministic and plain data", () => {
    const a = planIso(tree, {});
    expect(planIso(tree, {})).toEqual(a);
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
  });

  it("lays out descriptors, path tables, directories, catalog, then data in stream order", () => {
    const layout = planIso([...tree, file("isolinux/isolinux.bin", 4096)], {
      boot: {
        catalogPath: "isolinux/boot.cat",
        entries: [{ platform: "bios", path: "isolinux/isolinux.bin", bootInfoTable: true }],
      },
    });
    expect(layout.primaryVolumeDescriptorLba).toBe(16);
    expect(layout.bootRecordLba).toBe(17);
    expect(layout.jolietVolumeDescriptorLba).toBe(18);
    expect(layout.terminatorLba).toBe(19);
    expect(layout.primary.lPathTableLba).toBe(20);
    expect(layout.primary.mPathTableLba).toBe(21);
    expect(layout.jolietHierarchy!.lPathTableLba).toBe(22);
    const directoryLbas = layout.primary.directories.map((d) => d.lba);
    expect(directoryLbas[0]).toBe(24);
    expect(layout.boot!.catalogLba).toBe(layout.dataLba - 1);
    const data = layout.slots.filter((s) => s.dataLba !== undefined);
    expect(data.map((s) => s.path)).toEqual(["etc/hosts", "etc/big", "bin/busybox", "isolinux/isolinux.bin"]);
    expect(data.map((s) => s.dataLba)).toEqual([
      layout.dataLba,
      layout.dataLba + 1,
      layout.dataLba + 4,
      layout.dataLba + 5,
    ]);
    expect(layout.volumeSpaceSectors).toBe(layout.dataLba + 7);
    expect(layout.slots.find((s) => s.path === "isolinux/isolinux.bin")).toMatchObject({
      bootInfoTable: true,
    });
    expect(layout.boot!.entries).toEqual([
      {
        platform: "bios",
        path: "isolinux/isolinux.bin",
        lba: layout.dataLba + 5,
        sizeBytes: 4096,
        sectorCount: 4,
        bootInfoTable: true,
      },
    ]);
  });

  it("records Rock Ridge attributes, device numbers, link targets and shared extents for hard links", () => {
    const layout = planIso(tree, {});
    const busybox = record(layout, "bin/busybox");
    const sh = record(layout, "bin/sh");
    expect(sh.extentLba).toBe(busybox.extentLba);
    expect(sh.dataLength).toBe(100);
    expect(busybox.systemUse).toContainEqual({ signature: "PX", mode: 0o104755, nlink: 2, uid: 0, gid: 0 });
    expect(record(layout, "dev/console").systemUse).toContainEqual({
      signature: "PN",
      devHigh: 0,
      devLow: 0x501,
    });
    expect(record(layout, "bin/hosts").systemUse).toContainEqual(
      expect.objectContaining({ signature: "SL" }),
    );
    expect(record(layout, "empty")).toMatchObject({ extentLba: 0, dataLength: 0 });
    const root = layout.primary.directories[0]!.records[0]!;
    expect(root.systemUse[0]).toEqual({ signature: "SP" });
    expect(root.systemUse.at(-1)).toMatchObject({ signature: "CE" });
    expect(layout.continuationAreas[0]!.entries).toContainEqual(
      expect.objectContaining({ signature: "ER", identifier: "RRIP_1991A" }),
    );
  });

  it("makes parents without an entry as 0755 directories at the recording time", () => {
    const dev = record(planIso(tree, {}), "dev");
    expect(dev.systemUse).toContainEqual({ signature: "PX", mode: 0o40755, nlink: 2, uid: 0, gid: 0 });
    expect(dev.systemUse).toContainEqual({
      signature: "TF",
      modify: RECORDED,
      access: RECORDED,
      attributes: RECORDED,
    });
  });

  it("lets a later entry replace an earlier one of the same path; the earlier body is not written", () => {
    const layout = planIso(
      [file("a", 10), h("d", "dir", { mode: 0o700 }), file("d/x", 1), file("a", 30), h("d", "dir")],
      {},
    );
    expect(layout.slots.map((s) => s.dataLba !== undefined)).toEqual([false, false, true, true, false]);
    expect(record(layout, "a").dataLength).toBe(30);
    expect(record(layout, "d").systemUse).toContainEqual(
      expect.objectContaining({ signature: "PX", mode: 0o40755 }),
    );
  });

  it("relocates directories past level 8 into RR_MOVED, with CL, PL and RE", () => {
    const deep = "a/b/c/d/e/f/g/h/i";
    const layout = planIso([file(`${deep}/file`, 1)], {});
    const dirs = layout.primary.directories;
    expect(dirs.map((d) => d.path)).toContain(".rr_moved");
    const levels = new Map<number, number>([[1, 1]]);
    dirs.forEach((d, i) => {
      if (i > 0) levels.set(i + 1, levels.get(d.parentNumber)! + 1);
    });
    expect(Math.max(...levels.values())).toBeLessThanOrEqual(8);
    const moved = dirs.find((d) => d.path === "a/b/c/d/e/f/g/h")!;
    expect(dirs[moved.parentNumber - 1]!.path).toBe(".rr_moved");
    const placeholder = record(layout, "a/b/c/d/e/f/g/h");
    expect(placeholder).toMatchObject({ isDirectory: false });
    expect(placeholder.systemUse).toContainEqual({ signature: "CL", lba: moved.lba });
    const g = dirs.find((d) => d.path === "a/b/c/d/e/f/g")!;
    expect(moved.records[1]!.systemUse).toContainEqual({ signature: "PL", lba: g.lba });
    expect(dirs.find((d) => d.path === ".rr_moved")!.records[2]!.systemUse).toContainEqual({
      signature: "RE",
    });
    expect(layout.jolietHierarchy!.directories.map((d) => d.path)).not.toContain(".rr_moved");
  });

  it("spreads a crowded directory over sectors, no record crossing one", () => {
    const layout = planIso(
      Array.from({ length: 200 }, (_, i) => file(`many/${"f".repeat(100)}${i}`, 1)),
      {},
    );
    const many = layout.primary.directories.find((d) => d.path === "many")!;
    expect(many.sectors).toBeGreaterThan(5);
    for (const r of many.records) {
      const systemUse = r.systemUse.reduce((sum, e) => sum + systemUseEntryLength(e), 0);
      const id = r.identifier === "\u0000" || r.identifier === "\u0001" ? 1 : r.identifier.length;
      expect((r.offset % 2048) + directoryRecordLength(id, systemUse)).toBeLessThanOrEqual(2048);
    }
    const starts = many.records.map((r) => r.offset);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
  });

  it("writes plain ISO 9660 without Rock Ridge and Joliet when asked", () => {
    const layout = planIso(tree, { rockRidge: false, joliet: false });
    expect(layout.jolietHierarchy).toBeUndefined();
    expect(layout.jolietVolumeDescriptorLba).toBeUndefined();
    expect(layout.primary.directories.flatMap((d) => d.records).every((r) => r.systemUse.length === 0)).toBe(
      true,
    );
    expect(layout.continuationAreas).toEqual([]);
  });

  const isolinux = file("isolinux/isolinux.bin", 4096);
  const bios = { platform: "bios", path: "isolinux/isolinux.bin", bootInfoTable: true } as const;
  it.each<[string, FsHeader[], IsoOptions, string]>([
    ["an entry below a file", [file("a", 1), file("a/b", 1)], {}, "ISO_BAD_TREE"],
    ["a root that is not a directory", [file(".", 1)], {}, "ISO_BAD_TREE"],
    ["a directory with entries replaced by a file", [file("d/x", 1), file("d", 1)], {}, "ISO_BAD_TREE"],
    ["a hard link to nothing", [h("l", "hardlink", { linkTarget: "missing" })], {}, "ISO_BAD_TREE"],
    [
      "a hard link to a directory",
      [h("d", "dir"), h("l", "hardlink", { linkTarget: "d" })],
      {},
      "ISO_BAD_TREE",
    ],
    ["a name of 254 bytes, which Linux would truncate", [file("n".repeat(254), 1)], {}, "ISO_BAD_TREE"],
    ["a symlink without a target", [h("s", "symlink")], {}, "ISO_BAD_TREE"],
    ["a mode with type bits", [file("m", 1, { mode: 0o100644 })], {}, "ISO_BAD_TREE"],
    ["a file of 4 GiB", [file("big", 2 ** 32)], {}, "ISO_FILE_TOO_LARGE"],
    [
      "nine levels without Rock Ridge",
      [file("a/b/c/d/e/f/g/h/i/x", 1)],
      { rockRidge: false },
      "ISO_BAD_TREE",
    ],
    ["a lower-case volume id", [], { volumeId: "linuxkit" }, "ISO_BAD_OPTION"],
    ["an invalid date", [], { recordedAt: new Date(Number.NaN) }, "ISO_BAD_OPTION"],
    [
      "a boot image not in the tree",
      [],
      { boot: { catalogPath: "boot.cat", entries: [bios] } },
      "ISO_BOOT_FILE",
    ],
    [
      "a catalog path in use",
      [isolinux, file("boot.cat", 1)],
      { boot: { catalogPath: "boot.cat", entries: [bios] } },
      "ISO_BOOT_FILE",
    ],
    [
      "a boot image too small for the table",
      [file("isolinux/isolinux.bin", 10)],
      { boot: { catalogPath: "c", entries: [bios] } },
      "ISO_BOOT_FILE",
    ],
    [
      "load sectors of 0",
      [isolinux],
      { boot: { catalogPath: "c", entries: [{ ...bios, loadSectors: 0 }] } },
      "ISO_BAD_OPTION",
    ],
    ["no boot entries", [], { boot: { catalogPath: "c", entries: [] } }, "ISO_BAD_OPTION"],
    [
      "isohybrid without a BIOS entry",
      [file("efi.img", 1)],
      {
        boot: {
          catalogPath: "c",
          entries: [{ platform: "efi", path: "efi.img" }],
          isohybrid: { mbrTemplate: new Uint8Array(432) },
        },
      },
      "ISO_BAD_OPTION",
    ],
    [
      "a short MBR template",
      [isolinux],
      { boot: { catalogPath: "c", entries: [bios], isohybrid: { mbrTemplate: new Uint8Array(100) } } },
      "ISO_BAD_OPTION",
    ],
    [
      "an EFI partition without an EFI entry",
      [isolinux],
      {
        boot: {
          catalogPath: "c",
          entries: [bios],
          isohybrid: { mbrTemplate: new Uint8Array(432), efiPartition: true },
        },
      },
      "ISO_BAD_OPTION",
    ],
  ])("refuses %s", (_name, headers, options, code) => {
    expect(() => planIso(headers, options)).toThrow(expect.objectContaining({ code }));
  });
});
