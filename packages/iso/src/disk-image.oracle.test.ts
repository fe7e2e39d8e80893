import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeDiskImage } from "./disk-image.js";
import { type DiskOptions, planDisk } from "./disk-plan.js";
import { EFI_SYSTEM_PARTITION_TYPE_GUID as ESP, LINUX_FILESYSTEM_TYPE_GUID as LINUX } from "./gpt-guid.js";
import { gptHeaderCrc32, gptHeaderFromBytes } from "./gpt-header.js";
import { gptPartitionEntryArrayCrc32, gptPartitionEntryArrayFromBytes } from "./gpt-partition-entry.js";
import { mbrFromBytes } from "./protective-mbr.js";

const run = promisify(execFile);
const MiB = 1024 * 1024;

async function* chunksOf(bytes: Uint8Array, size = 100_000): AsyncIterable<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return new Uint8Array(Buffer.concat(parts));
}

const pattern = (length: number, seed: number) =>
  Uint8Array.from({ length }, (_, i) => (i * 7 + seed) & 0xff);

const OPTIONS: DiskOptions = {
  partitions: [
    { name: "ESP", typeGuid: ESP, sizeBytes: 3 * MiB },
    { name: "root", typeGuid: LINUX, sizeBytes: 2 * MiB + 5000 },
  ],
};
const espBytes = pattern(3 * MiB, 1);
const rootBytes = pattern(2 * MiB + 4000, 2); // shorter than planned: zero-filled

describe("writeDiskImage read back by sgdisk, fdisk and sfdisk", () => {
  let dir: string;
  let image: string;
  let disk: Uint8Array;
  const plan = planDisk(OPTIONS);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ocikit-disk-"));
    image = join(dir, "disk.img");
    disk = await collect(writeDiskImage(plan, [chunksOf(espBytes), chunksOf(rootBytes, 4096)]));
    await writeFile(image, disk);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("is as long as planned and holds each partition's bytes at its offset", () => {
    expect(disk.length).toBe(plan.sizeBytes);
    const [esp, root] = plan.partitions;
    expect(
      Buffer.from(disk.subarray(esp!.offsetBytes, esp!.offsetBytes + espBytes.length)).equals(
        Buffer.from(espBytes),
      ),
    ).toBe(true);
    expect(
      Buffer.from(disk.subarray(root!.offsetBytes, root!.offsetBytes + rootBytes.length)).equals(
        Buffer.from(rootBytes),
      ),
    ).toBe(true);
    expect(
      disk
        .subarray(root!.offsetBytes + rootBytes.length, root!.offsetBytes + root!.sizeBytes)
        .every((b) => b === 0),
    ).toBe(true);
  });

  it("has both headers with valid CRCs and equal entry arrays (our codecs)", () => {
    const lastLba = plan.sizeBytes / 512 - 1;
    const primary = gptHeaderFromBytes(disk.subarray(512, 1024));
    const backup = gptHeaderFromBytes(disk.subarray(lastLba * 512));
    expect(primary.headerCrc32).toBe(gptHeaderCrc32(disk.subarray(512, 1024)));
    expect(backup.headerCrc32).toBe(gptHeaderCrc32(disk.subarray(lastLba * 512)));
    const primaryArray = disk.subarray(2 * 512, 34 * 512);
    const backupArray = disk.subarray(backup.partitionEntryLba * 512, lastLba * 512);
    expect(Buffer.from(backupArray).equals(Buffer.from(primaryArray))).toBe(true);
    expect(gptPartitionEntryArrayCrc32(primaryArray)).toBe(primary.partitionEntryArrayCrc32);
    expect(gptPartitionEntryArrayFromBytes(primaryArray)).toEqual(plan.partitionEntries);
    expect(mbrFromBytes(disk.subarray(0, 512)).partitionRecords).toMatchObject([
      { osType: 0xee, startingLba: 1, sizeInLba: lastLba },
    ]);
  });

  it("passes sgdisk -v and sgdisk -p lists the partitions", async () => {
    const { stdout } = await run("sgdisk", ["-p", "-v", image]);
    expect(stdout).toContain("No problems found.");
    expect(stdout).toContain(`Disk identifier (GUID): ${plan.diskGuid}`);
    expect(stdout).toMatch(/^\s+1\s+2048\s+8191\s+3\.0 MiB\s+EF00\s+ESP$/m);
    expect(stdout).toMatch(/^\s+2\s+8192\s+12297\s+2\.0 MiB\s+8300\s+root$/m);
    expect(stdout).not.toMatch(/warning|problem:|corrupt|mismatch/i);
  });

  it("is read by fdisk -l without complaint", async () => {
    const { stdout, stderr } = await run("fdisk", ["-l", image]);
    expect(stderr).toBe("");
    expect(stdout).toContain("Disklabel type: gpt");
    expect(stdout).toContain(`Disk identifier: ${plan.diskGuid}`);
    expect(stdout).toMatch(/disk\.img1\s+2048\s+8191\s+6144\s+3M EFI System/);
    expect(stdout).toMatch(/disk\.img2\s+8192\s+12297\s+4106\s+2M Linux filesystem/);
  });

  it("shows sfdisk --json the partitions, their types, GUIDs and names", async () => {
    const { stdout, stderr } = await run("sfdisk", ["--json", image]);
    expect(stderr).toBe("");
    const table = JSON.parse(stdout).partitiontable;
    const lastLba = plan.sizeBytes / 512 - 1;
    expect(table).toMatchObject({
      label: "gpt",
      id: plan.diskGuid,
      unit: "sectors",
      firstlba: 34,
      lastlba: lastLba - 33,
      sectorsize: 512,
    });
    expect(table.partitions).toEqual(
      plan.partitions.map((p) => ({
        node: expect.stringMatching(/disk\.img\d$/),
        start: p.firstLba,
        size: p.lastLba - p.firstLba + 1,
        type: p.typeGuid,
        uuid: p.guid,
        name: p.name,
      })),
    );
  });

  it("writes the same bytes twice", async () => {
    const again = await collect(
      writeDiskImage(planDisk(OPTIONS), [chunksOf(espBytes, 333_333), chunksOf(rootBytes)]),
    );
    expect(Buffer.from(again).equals(Buffer.from(disk))).toBe(true);
  });

  it("refuses contents longer than their partition with ISO_NO_SPACE", async () => {
    const tooBig = pattern(plan.partitions[0]!.sizeBytes + 1, 3);
    await expect(
      collect(writeDiskImage(plan, [chunksOf(tooBig), chunksOf(rootBytes)])),
    ).rejects.toMatchObject({
      code: "ISO_NO_SPACE",
    });
  });

  it("refuses fewer contents than partitions with ISO_BAD_OPTION", async () => {
    await expect(collect(writeDiskImage(plan, [chunksOf(espBytes)]))).rejects.toMatchObject({
      code: "ISO_BAD_OPTION",
    });
  });
});
