import { describe, expect, it } from "vitest";
import { normalizeImageRef, parseImageRef } from "./image-ref.js";

describe("normalizeImageRef (LinuxKit ReferenceExpand, §1.10)", () => {
  it.each([
    ["redis", "docker.io/library/redis"],
    ["alpine:3.20", "docker.io/library/alpine:3.20"],
    ["foo/bar", "docker.io/foo/bar"],
    ["linuxkit/init:v1.2.0", "docker.io/linuxkit/init:v1.2.0"],
    ["myregistry.io/foo", "myregistry.io/foo"],
    ["localhost/foo", "localhost/foo"],
    ["localhost:5000/foo:1", "localhost:5000/foo:1"],
    ["127.0.0.1:5000/x", "127.0.0.1:5000/x"],
    ["foo/bar/baz", "foo/bar/baz"],
    ["docker.io/library/alpine", "docker.io/library/alpine"],
  ])("%s → %s", (input, want) => {
    expect(normalizeImageRef(input)).toBe(want);
  });
});

describe("parseImageRef", () => {
  const digest = `sha256:${"a".repeat(64)}`;
  it.each([
    ["alpine", { domain: "docker.io", path: "library/alpine" }],
    ["alpine:3.20", { domain: "docker.io", path: "library/alpine", tag: "3.20" }],
    [`alpine@${digest}`, { domain: "docker.io", path: "library/alpine", digest }],
    [`localhost:5000/a/b:t@${digest}`, { domain: "localhost:5000", path: "a/b", tag: "t", digest }],
    ["[::1]:5000/x", { domain: "[::1]:5000", path: "x" }],
    ["a/b-c__d.e", { domain: "docker.io", path: "a/b-c__d.e" }],
  ])("accepts %s", (input, want) => {
    const parsed = parseImageRef(input);
    expect(parsed.ok && parsed.value).toMatchObject(want);
  });

  it.each([
    ["", /empty/],
    ["Alpine", /lower case/],
    ["linuxkit/Init:v1", /lower case/],
    ["alpine:-bad", /invalid tag/],
    [`alpine:${"x".repeat(129)}`, /invalid tag/],
    ["alpine@sha256:abc", /invalid digest/],
    [`alpine@sha256:${"a".repeat(63)}0a`, /64 hex digits/],
    ["alp ine", /white space/],
    ["foo//bar", /invalid repository path component ""/],
    ["-bad.io/x/y", /invalid registry/],
  ])("rejects %j", (input, message) => {
    const parsed = parseImageRef(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(message);
  });
});

describe("file transports (skopeo syntax)", () => {
  it.each([
    ["oci:/images/layout:app", "oci:/images/layout:app"],
    ["oci-archive:app.tar", "oci-archive:app.tar"],
    ["docker-archive:./save.tar:app:1", "docker-archive:./save.tar:app:1"],
    ["docker://alpine", "docker.io/library/alpine"],
  ])("keeps %s as %s", (input, want) => {
    expect(normalizeImageRef(input)).toBe(want);
    expect(parseImageRef(input).ok).toBe(true);
  });

  it("refuses an empty path", () => {
    expect(parseImageRef("oci::name")).toMatchObject({
      ok: false,
      message: expect.stringContaining("empty path"),
    });
  });
});
