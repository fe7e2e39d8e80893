import { describe, expect, it } from "vitest";
import { sha256Digest } from "./digest.js";
import { parseManifest } from "./manifest.js";
import { MediaType } from "./media-types.js";

const digest = `sha256:${"0".repeat(64)}`;
const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));

describe("parseManifest", () => {
  it("reads an OCI index and keeps its bytes and digest", () => {
    const bytes = enc({
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [{ mediaType: MediaType.ociManifest, digest, size: 3 }],
    });
    const doc = parseManifest(bytes, undefined, "x");
    expect(doc.kind).toBe("index");
    expect(doc.digest).toBe(sha256Digest(bytes));
  });

  it("reads a Docker manifest whose type only the Content-Type gives", () => {
    const bytes = enc({
      schemaVersion: 2,
      config: { mediaType: MediaType.dockerConfig, digest, size: 1 },
      layers: [],
    });
    const doc = parseManifest(bytes, `${MediaType.dockerManifest}; charset=utf-8`, "x");
    expect(doc).toMatchObject({ kind: "manifest", mediaType: MediaType.dockerManifest });
  });

  it.each([
    ["not json", "OCI_BAD_MANIFEST"],
    [JSON.stringify({ schemaVersion: 1, fsLayers: [] }), "OCI_UNSUPPORTED_MEDIA_TYPE"],
    [
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        config: { mediaType: "x", digest: "sha256:zz", size: 1 },
        layers: [],
      }),
      "OCI_BAD_MANIFEST",
    ],
    [
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        config: { mediaType: "x", digest, size: -1 },
        layers: [],
      }),
      "OCI_BAD_MANIFEST",
    ],
    [JSON.stringify({ schemaVersion: 2, mediaType: "text/plain" }), "OCI_UNSUPPORTED_MEDIA_TYPE"],
  ])("rejects %s", (text, code) => {
    expect(() => parseManifest(new TextEncoder().encode(text), undefined, "docker.io/x:1")).toThrow(
      expect.objectContaining({ code }),
    );
  });
});
