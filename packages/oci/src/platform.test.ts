import { describe, expect, it } from "vitest";
import type { Digest } from "./digest.js";
import { attestationsFor, formatPlatform, hostPlatform, parsePlatform, selectManifest } from "./platform.js";
import type { Descriptor, ImageIndex } from "./types.js";

const d = (n: number): Digest => `sha256:${String(n).repeat(64).slice(0, 64)}` as Digest;
const entry = (
  n: number,
  platform: Descriptor["platform"],
  annotations?: Record<string, string>,
): Descriptor => ({
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  digest: d(n),
  size: 100,
  ...(platform ? { platform } : {}),
  ...(annotations ? { annotations } : {}),
});
const index: ImageIndex = {
  schemaVersion: 2,
  manifests: [
    entry(1, { os: "linux", architecture: "amd64" }),
    entry(2, { os: "linux", architecture: "arm64", variant: "v8" }),
    entry(3, { os: "linux", architecture: "arm", variant: "v7" }),
    entry(
      4,
      { os: "unknown", architecture: "unknown" },
      { "vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": d(2) },
    ),
  ],
};

describe("platforms", () => {
  it("maps Node's arch names", () => {
    expect(hostPlatform("x64")).toEqual({ os: "linux", architecture: "amd64" });
    expect(hostPlatform("arm64")).toEqual({ os: "linux", architecture: "arm64" });
  });

  it.each([
    ["amd64", "linux/amd64"],
    ["x86_64", "linux/amd64"],
    ["aarch64", "linux/arm64"],
    ["linux/arm64/v8", "linux/arm64/v8"],
    ["arm/v7", "linux/arm/v7"],
  ])("parses %s", (text, want) => {
    expect(formatPlatform(parsePlatform(text))).toBe(want);
  });

  it("selects by os/architecture, variant only when asked; arm64 without variant is v8", () => {
    expect(selectManifest(index, { os: "linux", architecture: "arm64" }, "x").digest).toBe(d(2));
    expect(selectManifest(index, { os: "linux", architecture: "arm64", variant: "v8" }, "x").digest).toBe(
      d(2),
    );
    expect(selectManifest(index, parsePlatform("arm/v7"), "x").digest).toBe(d(3));
  });

  it("lists what the index has when the platform is missing", () => {
    expect(() => selectManifest(index, { os: "linux", architecture: "s390x" }, "docker.io/x:1")).toThrow(
      "docker.io/x:1 has no image for linux/s390x; it has linux/amd64, linux/arm64/v8, linux/arm/v7 (choose one with --arch)",
    );
  });

  it("finds the attestations of a manifest", () => {
    expect(attestationsFor(index, d(2)).map((m) => m.digest)).toEqual([d(4)]);
    expect(attestationsFor(index, d(1))).toEqual([]);
  });
});
