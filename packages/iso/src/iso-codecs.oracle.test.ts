// Oracle: our codecs against bytes made by the real tools. genisoimage (-R -J, isolinux with a boot
// info table) and xorriso -as mkisofs (BIOS + EFI entries) make images at test time from a small
// tree; every structure we decode from them encodes back to the same bytes: volume descriptors
// (except the fields we do not model: expiration and effective dates, application use), path tables,
// every directory record and every SUSP/Rock Ridge entry (including those in continuation areas),
// the boot record, the boot catalog, and isolinux.bin's boot info table. Needs genisoimage, xorriso
// and syslinux's isolinux.
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sh, tempDir } from "../test/iso-oracle.js";
import { patchBootInfoTable } from "./boot-info-table.js";
import { directoryRecordFromBytes, directoryRecordToBytes } from "./directory-record.js";
import { bootRecordFromBytes } from "./el-torito-boot-record.js";
import { bootCatalogFromBytes, bootCatalogToBytes } from "./el-torito-catalog.js";
import { pathTableFromBytes, pathTableToBytes } from "./path-table.js";
import { symlinkTargetOf } from "./rock-ridge-entries.js";
import { type SystemUseEntry, systemUseEntriesFromBytes, systemUseEntryToBytes } from "./system-use-entry.js";
import { SECTOR_SIZE, volumeDescriptorFromBytes, volumeDescriptorToBytes } from "./volume-descriptor.js";

const ISOLINUX_BIN = "/usr/lib/ISOLINUX/isolinux.bin";
const temp = tempDir();
afterAll(() => temp.remove());

const sector = (iso: Buffer, lba: number, count = 1) =>
  iso.subarray(lba * SECTOR_SIZE, (lba + count) * SECTOR_SIZE);

/** Every byte where `a` and `b` differ, outside `skip` ranges ([from, to)). */
function differences(a: Uint8Array, b: Uint8Array, skip: readonly [number, number][] = []): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (skip.some(([from, to]) => i >= from && i < to)) continue;
    if (a[i] !== b[i]) out.push(i);
  }
  return out;
}

describe("codecs on genisoimage's bytes", () => {
  let iso: Buffer;
  beforeAll(() => {
    const src = join(temp.path, "src");
    mkdirSync(join(src, "isolinux"), { recursive: true });
    mkdirSync(join(src, "etc/a/b"), { recursive: true });
    writeFileSync(join(src, "isolinux/isolinux.bin"), readFileSync(ISOLINUX_BIN));
    writeFileSync(join(src, "etc/hosts"), "127.0.0.1 localhost\n");
    writeFileSync(join(src, `${"n".repeat(200)}.txt`), "long name\n");
    writeFileSync(join(src, "名前.txt"), "utf-8\n");
    symlinkSync("../etc/hosts", join(src, "link"));
    symlinkSync(`/${"t".repeat(300)}/x`, join(src, "long-link"));
    const out = join(temp.path, "genisoimage.iso");
    sh("genisoimage", [
      "-quiet",
      "-R",
      "-J",
      "-V",
      "TESTVOL",
      "-b",
      "isolinux/isolinux.bin",
      "-c",
      "isolinux/boot.cat",
      "-no-emul-boot",
      "-boot-load-size",
      "4",
      "-boot-info-table",
      "-o",
      out,
      src,
    ]);
    iso = readFileSync(out);
  });

  it("decodes and re-encodes the primary and Joliet volume descriptors", () => {
    const pvd = volumeDescriptorFromBytes(sector(iso, 16))!;
    expect(pvd).toMatchObject({
      kind: "primary",
      volumeId: "TESTVOL",
      volumeSpaceSectors: iso.length / SECTOR_SIZE,
    });
    const unmodelled: [number, number][] = [
      [847, 881],
      [883, SECTOR_SIZE],
    ];
    expect(differences(volumeDescriptorToBytes(pvd), sector(iso, 16), unmodelled)).toEqual([]);
    const svdLba = [17, 18, 19].find(
      (lba) => volumeDescriptorFromBytes(sector(iso, lba))?.kind === "joliet",
    )!;
    const svd = volumeDescriptorFromBytes(sector(iso, svdLba))!;
    expect(svd.volumeId).toBe("TESTVOL");
    expect(differences(volumeDescriptorToBytes(svd), sector(iso, svdLba), unmodelled)).toEqual([]);
  });

  it("decodes the L and M path tables alike and re-encodes them", () => {
    const pvd = volumeDescriptorFromBytes(sector(iso, 16))!;
    const l = pathTableFromBytes(sector(iso, pvd.lPathTableLba), pvd.pathTableBytes, "le");
    const m = pathTableFromBytes(sector(iso, pvd.mPathTableLba), pvd.pathTableBytes, "be");
    expect(m).toEqual(l);
    expect(l[0]).toEqual({
      identifier: Uint8Array.of(0),
      extentLba: pvd.rootRecord.extentLba,
      parentNumber: 1,
    });
    expect(l.map((r) => Buffer.from(r.identifier).toString("latin1"))).toEqual([
      "\u0000",
      "ETC",
      "ISOLINUX",
      "A",
      "B",
    ]);
    const size = pvd.pathTableBytes;
    expect(
      Buffer.from(pathTableToBytes(l, "le")).equals(sector(iso, pvd.lPathTableLba).subarray(0, size)),
    ).toBe(true);
    expect(
      Buffer.from(pathTableToBytes(m, "be")).equals(sector(iso, pvd.mPathTableLba).subarray(0, size)),
    ).toBe(true);
  });

  it("re-encodes every directory record and every SUSP entry, continuation areas included", () => {
    const pvd = volumeDescriptorFromBytes(sector(iso, 16))!;
    const tables = pathTableFromBytes(sector(iso, pvd.lPathTableLba), pvd.pathTableBytes, "le");
    const seen = new Set<string>();
    const checkEntries = (area: Uint8Array) => {
      for (const entry of systemUseEntriesFromBytes(area)) {
        seen.add(entry.signature);
        expect(Buffer.from(area).indexOf(Buffer.from(systemUseEntryToBytes(entry)))).toBeGreaterThanOrEqual(
          0,
        );
        if (entry.signature === "CE")
          checkEntries(iso.subarray(entry.lba * SECTOR_SIZE + entry.offset).subarray(0, entry.length));
      }
    };
    let records = 0;
    for (const dir of tables) {
      const extent = sector(iso, dir.extentLba);
      for (let at = 0; at < extent.length && extent[at] !== 0; at += extent[at]!) {
        const record = directoryRecordFromBytes(extent.subarray(at))!;
        expect(
          Buffer.from(directoryRecordToBytes(record)).equals(extent.subarray(at, at + extent[at]!)),
        ).toBe(true);
        checkEntries(record.systemUse);
        records++;
      }
    }
    expect(records).toBeGreaterThan(15);
    expect([...seen].sort()).toEqual(["CE", "ER", "NM", "PX", "SL", "SP", "TF", "unknown"]);
  });

  it("decodes Rock Ridge names and link targets split across entries", () => {
    const pvd = volumeDescriptorFromBytes(sector(iso, 16))!;
    const root = sector(iso, pvd.rootRecord.extentLba);
    const names: string[] = [];
    const targets: string[] = [];
    const collect = (area: Uint8Array, into: SystemUseEntry[]) => {
      for (const e of systemUseEntriesFromBytes(area)) {
        into.push(e);
        if (e.signature === "CE")
          collect(iso.subarray(e.lba * SECTOR_SIZE + e.offset).subarray(0, e.length), into);
      }
    };
    for (let at = 0; root[at] !== 0; at += root[at]!) {
      const entries: SystemUseEntry[] = [];
      collect(directoryRecordFromBytes(root.subarray(at))!.systemUse, entries);
      names.push(entries.flatMap((e) => (e.signature === "NM" ? [e.name] : [])).join(""));
      const components = entries.flatMap((e) => (e.signature === "SL" ? e.components : []));
      if (components.length > 0) targets.push(symlinkTargetOf(components));
    }
    expect(names).toContain(`${"n".repeat(200)}.txt`);
    expect(names).toContain("名前.txt");
    expect(targets.sort()).toEqual(["../etc/hosts", `/${"t".repeat(300)}/x`]);
  });

  it("reads the boot record and re-encodes the boot catalog; the boot info table matches ours", () => {
    const { catalogLba } = bootRecordFromBytes(sector(iso, 17))!;
    const catalog = bootCatalogFromBytes(sector(iso, catalogLba))!;
    expect(catalog.entries).toEqual([
      expect.objectContaining({ platform: "bios", loadSegment: 0, sectorCount: 4 }),
    ]);
    expect(differences(bootCatalogToBytes(catalog), sector(iso, catalogLba))).toEqual([]);
    const isolinux = new Uint8Array(readFileSync(ISOLINUX_BIN));
    const lba = catalog.entries[0]!.loadLba;
    patchBootInfoTable(isolinux, 16, lba);
    expect(
      Buffer.from(isolinux).equals(iso.subarray(lba * SECTOR_SIZE, lba * SECTOR_SIZE + isolinux.length)),
    ).toBe(true);
  });
});

describe("codecs on xorriso's El Torito catalog with an EFI section", () => {
  it("decodes the BIOS default entry and the EFI section entry and re-encodes the sector", () => {
    const src = join(temp.path, "efi-src");
    mkdirSync(join(src, "isolinux"), { recursive: true });
    writeFileSync(join(src, "isolinux/isolinux.bin"), readFileSync(ISOLINUX_BIN));
    writeFileSync(join(src, "efiboot.img"), new Uint8Array(1440 * 1024));
    const out = join(temp.path, "xorriso.iso");
    sh("xorriso", [
      "-as",
      "mkisofs",
      "-quiet",
      "-R",
      "-o",
      out,
      "-b",
      "isolinux/isolinux.bin",
      "-c",
      "isolinux/boot.cat",
      "-no-emul-boot",
      "-boot-load-size",
      "4",
      "-boot-info-table",
      "-eltorito-alt-boot",
      "-e",
      "efiboot.img",
      "-no-emul-boot",
      src,
    ]);
    const iso = readFileSync(out);
    const { catalogLba } = bootRecordFromBytes(sector(iso, 17))!;
    const catalog = bootCatalogFromBytes(sector(iso, catalogLba))!;
    expect(catalog.entries.map((e) => [e.platform, e.sectorCount])).toEqual([
      ["bios", 4],
      ["efi", 2880],
    ]);
    expect(differences(bootCatalogToBytes(catalog), sector(iso, catalogLba))).toEqual([]);
  });
});
