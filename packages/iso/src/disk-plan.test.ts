import { describe, expect, it } from "vitest";
import { planDisk } from "./disk-plan.js";
import { EFI_SYSTEM_PARTITION_TYPE_GUID as ESP, LINUX_FILESYSTEM_TYPE_GUID as LINUX } from "./gpt-guid.js";

const MiB = 1024 * 1024;

describe("planDisk", () => {
  it("puts one ESP at 1 MiB and the backup table in the last 33 sectors of a 1 MiB-aligned disk", () => {
    const plan = planDisk({ partitions: [{ name: "ESP", typeGuid: ESP, sizeBytes: 3 * MiB + 1 }] });
    const [esp] = plan.partitions;
    expect(esp).toMatchObject({
      firstLba: 2048,
      offsetBytes: MiB,
      lastLba: 2048 + 6144,
      sizeBytes: 3 * MiB + 512,
    });
    // ESP ends in the 5th MiB; 33 sectors of backup table after it fit before 5 MiB.
    expect(plan.sizeBytes).toBe(5 * MiB);
    const lastLba = plan.sizeBytes / 512 - 1;
    expect(plan.primaryHeader).toMatchObject({
      myLba: 1,
      alternateLba: lastLba,
      partitionEntryLba: 2,
      firstUsableLba: 34,
    });
    expect(plan.backupHeader).toMatchObject({
      myLba: lastLba,
      alternateLba: 1,
      partitionEntryLba: lastLba - 32,
    });
    expect(plan.primaryHeader.lastUsableLba).toBe(lastLba - 33);
    expect(esp!.lastLba).toBeLessThanOrEqual(plan.primaryHeader.lastUsableLba);
  });

  it("adds an alignment unit when the backup table does not fit after the last partition", () => {
    const plan = planDisk({ partitions: [{ name: "ESP", typeGuid: ESP, sizeBytes: 4 * MiB }] });
    expect(plan.sizeBytes).toBe(6 * MiB);
  });

  it.each([
    ["512-byte sectors, 1 MiB", 512, MiB, [2048, 4096], 34],
    ["512-byte sectors, 4 KiB", 512, 4096, [40, 48], 34],
    ["4096-byte sectors, 1 MiB", 4096, MiB, [256, 512], 6],
  ])("aligns partitions with %s", (_name, sectorSizeBytes, alignmentBytes, firstLbas, firstUsableLba) => {
    const plan = planDisk({
      sectorSizeBytes,
      alignmentBytes,
      partitions: [
        { name: "a", typeGuid: ESP, sizeBytes: 1000 },
        { name: "b", typeGuid: LINUX, sizeBytes: 1000 },
      ],
    });
    expect(plan.partitions.map((p) => p.firstLba)).toEqual(firstLbas);
    expect(plan.primaryHeader.firstUsableLba).toBe(firstUsableLba);
    expect(plan.sizeBytes % alignmentBytes).toBe(0);
  });

  it("derives GUIDs from the layout: same options, same GUIDs; another layout or seed, others", () => {
    const options = { partitions: [{ name: "ESP", typeGuid: ESP, sizeBytes: MiB }] };
    const a = planDisk(options);
    expect(planDisk(options)).toEqual(a);
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
    const bigger = planDisk({ partitions: [{ name: "ESP", typeGuid: ESP, sizeBytes: 2 * MiB }] });
    expect(bigger.diskGuid).not.toBe(a.diskGuid);
    expect(bigger.partitions[0]!.guid).not.toBe(a.partitions[0]!.guid);
    const seeded = planDisk({ ...options, guidSeed: "sha256:abc" });
    expect(seeded.diskGuid).not.toBe(a.diskGuid);
    expect(a.partitions[0]!.guid).not.toBe(a.diskGuid);
  });

  it("uses the GUIDs given, in upper case", () => {
    const plan = planDisk({
      diskGuid: "11111111-2222-4333-8444-555555555555",
      partitions: [
        {
          name: "ESP",
          typeGuid: ESP.toLowerCase(),
          sizeBytes: MiB,
          guid: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee",
        },
      ],
    });
    expect(plan.diskGuid).toBe("11111111-2222-4333-8444-555555555555");
    expect(plan.partitions[0]).toMatchObject({ typeGuid: ESP, guid: "AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE" });
    expect(plan.partitionEntries[0]).toMatchObject({
      partitionTypeGuid: ESP,
      partitionName: "ESP",
      attributeBits: [],
    });
  });

  const one = { name: "p", typeGuid: ESP, sizeBytes: MiB };
  it.each([
    ["a 1024-byte sector", { sectorSizeBytes: 1024, partitions: [one] }],
    ["an alignment that is not a multiple of the sector", { alignmentBytes: 1000, partitions: [one] }],
    ["a size of 0", { partitions: [{ ...one, sizeBytes: 0 }] }],
    ["a fractional size", { partitions: [{ ...one, sizeBytes: 1.5 }] }],
    ["a name of 37 characters", { partitions: [{ ...one, name: "n".repeat(37) }] }],
    ["a malformed type GUID", { partitions: [{ ...one, typeGuid: "EF00" }] }],
    ["a malformed disk GUID", { diskGuid: "x", partitions: [one] }],
    ["129 partitions", { partitions: Array(129).fill(one) }],
    [
      "two partitions with one GUID",
      {
        partitions: [
          { ...one, guid: "AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE" },
          { ...one, guid: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee" },
        ],
      },
    ],
  ])("refuses %s with ISO_BAD_OPTION", (_name, options) => {
    expect(() => planDisk(options)).toThrow(expect.objectContaining({ code: "ISO_BAD_OPTION" }));
  });
});
