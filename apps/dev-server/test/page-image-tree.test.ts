import { describe, expect, it } from "vitest";
import { buildImageTree, findNodes, sizesBySource, type TreeNode } from "../page/src/image-tree.js";
import { entry, section } from "./page-fixtures.js";

/** The tree as an indented listing, so that a failure is a readable diff. */
function listing(node: TreeNode, depth = 0): string[] {
  const line = `${"  ".repeat(depth)}${node.name || "/"}${node.isDir ? "/" : ""} ${node.totalBytes}${
    node.isDir ? ` (${node.fileCount} files)` : ""
  }${node.entry?.target ? ` -> ${node.entry.target}` : ""}${node.entry ? ` [s${node.entry.section}]` : ""}`;
  return [line, ...node.children.flatMap((c) => listing(c, depth + 1))];
}

describe("buildImageTree", () => {
  it("nests entries, sorts directories first, and totals regular files per directory", () => {
    const tree = buildImageTree([
      entry(".", "dir"),
      entry("usr/bin/busybox", "file", 1000),
      entry("bin", "symlink", 0, 0, "usr/bin"),
      entry("etc", "dir"),
      entry("etc/hostname", "file", 6),
      entry("etc/motd", "file", 20),
      entry("usr/bin/sh", "hardlink", 1000, 0, "usr/bin/busybox"),
    ]);
    expect(listing(tree)).toEqual([
      "// 1026 (3 files) [s0]",
      "  etc/ 26 (2 files) [s0]",
      "    hostname 6 [s0]",
      "    motd 20 [s0]",
      "  usr/ 1000 (1 files)",
      "    bin/ 1000 (1 files)",
      "      busybox 1000 [s0]",
      "      sh 0 -> usr/bin/busybox [s0]",
      "  bin 0 -> usr/bin [s0]",
    ]);
  });

  it("a later entry of the same path replaces the earlier one", () => {
    const tree = buildImageTree([
      entry("etc/hostname", "file", 6, 0),
      entry("etc/hostname", "file", 9, 2),
      entry("etc/x", "file", 100, 0),
      entry("etc/x", "symlink", 0, 3, "y"),
    ]);
    expect(listing(tree)).toEqual([
      "// 9 (1 files)",
      "  etc/ 9 (1 files)",
      "    hostname 9 [s2]",
      "    x 0 -> y [s3]",
    ]);
  });

  it("a directory replacing a directory keeps its children; a file replacing a directory drops them", () => {
    const tree = buildImageTree([
      entry("a", "dir", 0, 0),
      entry("a/f", "file", 5),
      entry("a", "dir", 0, 1),
      entry("b", "dir"),
      entry("b/g", "file", 7),
      entry("b", "file", 1, 2),
    ]);
    expect(listing(tree)).toEqual(["// 6 (2 files)", "  a/ 5 (1 files) [s1]", "    f 5 [s0]", "  b 1 [s2]"]);
  });

  it.each([
    ["./etc/passwd", "etc/passwd"],
    ["/etc/passwd", "etc/passwd"],
    ["etc//passwd/", "etc/passwd"],
  ])("normalises the path %s", (path, want) => {
    const tree = buildImageTree([entry(path, "file", 1)]);
    expect(findNodes(tree, "passwd", 10).map((n) => n.path)).toEqual([want]);
  });

  it("an empty image is an empty root", () => {
    expect(listing(buildImageTree([]))).toEqual(["// 0 (0 files)"]);
  });
});

describe("findNodes", () => {
  it("finds paths containing the query, case-insensitively, in tree order, up to the limit", () => {
    const tree = buildImageTree([
      entry("etc/Hosts", "file", 1),
      entry("etc/hostname", "file", 1),
      entry("var/lib/hosts.d", "dir"),
      entry("usr/x", "file", 1),
    ]);
    expect(findNodes(tree, "host", 10).map((n) => n.path)).toEqual([
      "etc/Hosts",
      "etc/hostname",
      "var/lib/hosts.d",
    ]);
    expect(findNodes(tree, "host", 2)).toHaveLength(2);
  });
});

describe("sizesBySource", () => {
  it("groups sections by source in order of first appearance, summing sizes", () => {
    const sizes = sizesBySource([
      section(2, "onboot[0] dhcp", "linuxkit/dhcpcd:v1", 300, 600),
      section(0, "init[0]", "linuxkit/init:v1", 1000, 2000),
      section(1, "init[1]", "linuxkit/runc:v1", 400, 900),
      section(3, "services[0] getty", "linuxkit/init:v1", 50, 70),
    ]);
    expect(sizes).toEqual([
      {
        source: "linuxkit/init:v1",
        sections: ["init[0]", "services[0] getty"],
        memberBytes: 1050,
        contentBytes: 2070,
        entries: 4,
        cached: false,
      },
      {
        source: "linuxkit/runc:v1",
        sections: ["init[1]"],
        memberBytes: 400,
        contentBytes: 900,
        entries: 2,
        cached: false,
      },
      {
        source: "linuxkit/dhcpcd:v1",
        sections: ["onboot[0] dhcp"],
        memberBytes: 300,
        contentBytes: 600,
        entries: 2,
        cached: true,
      },
    ]);
  });
});
