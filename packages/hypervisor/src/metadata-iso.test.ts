import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { METADATA_FILE_ID, METADATA_VOLUME_ID, metadataIsoBytes, writeMetadataIso } from "./metadata-iso.js";

const SECTOR = 2048;
const text = (bytes: Uint8Array) => new TextDecoder("latin1").decode(bytes);

/** A minimal ISO 9660 reader for the test: the volume id and every root entry with its bytes. */
function readIso(image: Uint8Array): { volumeId: string; sectors: number; files: Map<string, Uint8Array> } {
  const view = new DataView(image.buffer, image.byteOffset);
  const pvd = 16 * SECTOR;
  expect(text(image.subarray(pvd, pvd + 7))).toBe("\x01CD001\x01");
  expect(text(image.subarray(pvd + SECTOR, pvd + SECTOR + 7))).toBe("\xffCD001\x01");
  const rootLba = view.getUint32(pvd + 156 + 2, true);
  expect(view.getUint32(pvd + 156 + 6, false)).toBe(rootLba);
  const files = new Map<string, Uint8Array>();
  for (let at = rootLba * SECTOR; image[at] !== 0; at += image[at] as number) {
    const lba = view.getUint32(at + 2, true);
    const size = view.getUint32(at + 10, true);
    expect(view.getUint32(at + 14, false)).toBe(size);
    const id = text(image.subarray(at + 33, at + 33 + (image[at + 32] as number)));
    files.set(id, image.subarray(lba * SECTOR, lba * SECTOR + size));
  }
  return {
    volumeId: text(image.subarray(pvd + 40, pvd + 72)).trimEnd(),
    sectors: view.getUint32(pvd + 80, true),
    files,
  };
}

describe("metadataIsoBytes", () => {
  it.each([
    ["a few bytes", 19],
    ["one sector", 2048],
    ["a sector and a byte", 2049],
    ["3 MiB", 3 * 2 ** 20 + 5],
  ])("holds %s as %s, in 21 + ceil(size/2048) sectors", (_name, size) => {
    const data = Uint8Array.from({ length: size }, (_, i) => (i * 7 + 3) & 0xff);
    const image = metadataIsoBytes(data);
    const sectors = 21 + Math.ceil(size / SECTOR);
    expect(image.length).toBe(sectors * SECTOR);
    const iso = readIso(image);
    expect(iso.volumeId).toBe(METADATA_VOLUME_ID);
    expect(iso.sectors).toBe(sectors);
    expect([...iso.files.keys()]).toEqual(["\x00", "\x01", METADATA_FILE_ID]);
    expect(Buffer.from(iso.files.get(METADATA_FILE_ID) as Uint8Array).equals(data)).toBe(true);
  });

  it("holds empty data as an empty file", () => {
    const iso = readIso(metadataIsoBytes(new Uint8Array(0)));
    expect(iso.sectors).toBe(21);
    expect(iso.files.get(METADATA_FILE_ID)?.length).toBe(0);
  });

  it("is deterministic: the same data and date give the same bytes", () => {
    const data = new TextEncoder().encode("hostname: vm1\n");
    expect(Buffer.from(metadataIsoBytes(data)).equals(metadataIsoBytes(data))).toBe(true);
    const dated = metadataIsoBytes(data, { recordedAt: new Date("2017-04-18T16:30:00Z") });
    expect(Buffer.from(dated).equals(metadataIsoBytes(data))).toBe(false);
    // The volume creation date, ECMA-119 §8.4.26.1.
    expect(text(dated.subarray(16 * SECTOR + 813, 16 * SECTOR + 829))).toBe("2017041816300000");
    expect(text(metadataIsoBytes(data).subarray(16 * SECTOR + 813, 16 * SECTOR + 829))).toBe(
      "1970010100000000",
    );
  });
});

describe("writeMetadataIso", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "ocikit-metadata-iso-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("writes the image, replacing an older one, and leaves no temporary file", async () => {
    const path = join(dir, "data.iso");
    writeFileSync(path, "an older image");
    const data = new TextEncoder().encode('{"ssh":{"authorized_keys":["ssh-ed25519 AAAA"]}}');
    await writeMetadataIso(data, path);
    expect(readFileSync(path).equals(metadataIsoBytes(data))).toBe(true);
    expect(readdirSync(dir)).toEqual(["data.iso"]);
  });

  it("says when it cannot write (HV_STATE)", async () => {
    await expect(writeMetadataIso(new Uint8Array(1), join(dir, "missing", "data.iso"))).rejects.toMatchObject(
      {
        code: "HV_STATE",
      },
    );
    expect(readdirSync(dir)).toEqual([]);
  });
});
