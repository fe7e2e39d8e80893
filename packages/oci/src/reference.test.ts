import { describe, expect, it } from "vitest";
import { manifestReference, parseRegistryRef } from "./reference.js";

const digest = `sha256:${"ab".repeat(32)}`;

describe("parseRegistryRef", () => {
  it.each([
    ["alpine", "docker.io", "library/alpine", "docker.io/library/alpine:latest"],
    ["alpine:3.20", "docker.io", "library/alpine", "docker.io/library/alpine:3.20"],
    ["docker://alpine", "docker.io", "library/alpine", "docker.io/library/alpine:latest"],
    ["linuxkit/init:v1.2.0", "docker.io", "linuxkit/init", "docker.io/linuxkit/init:v1.2.0"],
    ["index.docker.io/linuxkit/init:v1", "docker.io", "linuxkit/init", "docker.io/linuxkit/init:v1"],
    ["localhost:5000/x:tag", "localhost:5000", "x", "localhost:5000/x:tag"],
    ["localhost/x", "localhost", "x", "localhost/x:latest"],
    ["127.0.0.1:5000/a/b/c", "127.0.0.1:5000", "a/b/c", "127.0.0.1:5000/a/b/c:latest"],
    [`ghcr.io/org/img@${digest}`, "ghcr.io", "org/img", `ghcr.io/org/img@${digest}`],
    [`ghcr.io/org/img:1@${digest}`, "ghcr.io", "org/img", `ghcr.io/org/img:1@${digest}`],
    ["foo/bar/baz", "docker.io", "foo/bar/baz", "docker.io/foo/bar/baz:latest"],
  ])("%s", (input, registry, repository, name) => {
    expect(parseRegistryRef(input)).toMatchObject({ registry, repository, name });
  });

  it("asks for the digest when pinned, else the tag", () => {
    expect(manifestReference(parseRegistryRef(`a@${digest}`))).toBe(digest);
    expect(manifestReference(parseRegistryRef("a:1"))).toBe("1");
  });

  it.each(["", "Alpine", "a:b:c:d", "a@sha256:12", "a:-x", "a/B"])("rejects %j", (input) => {
    expect(() => parseRegistryRef(input)).toThrow(expect.objectContaining({ code: "OCI_BAD_REFERENCE" }));
  });
});
