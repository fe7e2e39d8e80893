import { describe, expect, it } from "vitest";
import {
  jolietLevelOf,
  terminatorToBytes,
  type VolumeDescriptor,
  volumeDescriptorFromBytes,
  volumeDescriptorToBytes,
  volumeDescriptorTypeOf,
} from "./volume-descriptor.js";

const descriptor = (kind: VolumeDescriptor["kind"]): VolumeDescriptor => ({
  kind,
  systemId: "LINUX",
  volumeId: kind === "primary" ? "OCIKIT_TEST" : "ocikit test 名",
  volumeSpaceSectors: 1234,
  pathTableBytes: 42,
  lPathTableLba: 19,
  mPathTableLba: 20,
  rootRecord: {
    extentLba: 23,
    dataLength: 2048,
    recordedAtSeconds: 1_492_533_000,
    fileFlags: 2,
    identifier: Uint8Array.of(0),
    systemUse: new Uint8Array(0),
  },
  volumeSetId: "",
  publisherId: "OCIKIT",
  dataPreparerId: "",
  applicationId: "OCIKIT",
  createdAtSeconds: 1_492_533_000,
  modifiedAtSeconds: 1_600_000_000,
});

describe("volume descriptors", () => {
  it.each(["primary", "joliet"] as const)("reads back a %s volume descriptor", (kind) => {
    const bytes = volumeDescriptorToBytes(descriptor(kind));
    expect(volumeDescriptorFromBytes(bytes)).toEqual(descriptor(kind));
    expect(Buffer.from(volumeDescriptorToBytes(volumeDescriptorFromBytes(bytes)!))).toEqual(
      Buffer.from(bytes),
    );
  });

  it.each([
    ["a primary descriptor", volumeDescriptorToBytes(descriptor("primary")), 1, undefined],
    ["a Joliet descriptor", volumeDescriptorToBytes(descriptor("joliet")), 2, 3],
    ["the terminator", terminatorToBytes(), 255, undefined],
    ["a sector of zeros", new Uint8Array(2048), undefined, undefined],
  ])("tells the type and Joliet level of %s", (_name, bytes, type, level) => {
    expect(volumeDescriptorTypeOf(bytes)).toBe(type);
    expect(jolietLevelOf(bytes)).toBe(level);
  });

  it.each([
    ["%/@", 1],
    ["%/C", 2],
    ["%/E", 3],
  ] as const)("reads Joliet escape sequence %s as level %i", (sequence, level) => {
    const bytes = Uint8Array.from(volumeDescriptorToBytes(descriptor("joliet")));
    bytes.set(new TextEncoder().encode(sequence), 88);
    expect(jolietLevelOf(bytes)).toBe(level);
  });

  it("reads no volume descriptor from the terminator or zeros", () => {
    expect(volumeDescriptorFromBytes(terminatorToBytes())).toBeUndefined();
    expect(volumeDescriptorFromBytes(new Uint8Array(2048))).toBeUndefined();
  });
});
