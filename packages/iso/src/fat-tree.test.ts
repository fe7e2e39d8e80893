import type { FsHeader } from "@ocikit/fs";
import { describe, expect, it } from "vitest";
import { dirHeader, fileHeader } from "../test/fs-headers.js";
import { buildFatTree } from "./fat-tree.js";

const file = fileHeader;
const dir = dirHeader;

describe("the tree of a FAT image", () => {
  it("adds missing parents, sorts children, keeps files in stream order", () => {
    const tree = buildFatTree([dir("."), file("z/b"), file("a"), file("z/a"), dir("y")]);
    expect(tree.directories.map((d) => d.path)).toEqual([".", "y", "z"]);
    expect(tree.root.children.map((c) => c.name)).toEqual(["a", "y", "z"]);
    expect(tree.files.map((f) => f.path)).toEqual(["z/b", "a", "z/a"]);
  });

  it("lists directories breadth first", () => {
    const tree = buildFatTree([file("a/b/c/d"), file("e/f")]);
    expect(tree.directories.map((d) => d.path)).toEqual([".", "a", "e", "a/b", "a/b/c"]);
  });

  it("takes a directory named twice (a tar stream may repeat one)", () => {
    expect(buildFatTree([dir("EFI"), dir("EFI"), file("EFI/x")]).directories).toHaveLength(2);
  });

  it.each([
    ["a symlink", [{ ...file("EFI/link"), type: "symlink", linkTarget: "x" }], "ISO_BAD_TREE", "EFI/link"],
    ["a character device", [{ ...file("dev/null"), type: "char" }], "ISO_BAD_TREE", "dev/null"],
    ["a hard link", [file("a"), { ...file("b"), type: "hardlink", linkTarget: "a" }], "ISO_BAD_TREE", "b"],
    ["a file over 4 GiB - 1", [file("big.img", 2 ** 32)], "ISO_FILE_TOO_LARGE", "big.img"],
    ["names equal ignoring case", [file("EFI/Boot/x"), file("EFI/BOOT/y")], "ISO_BAD_TREE", "EFI/BOOT"],
    ["a file where a directory must be", [file("EFI"), file("EFI/BOOT")], "ISO_BAD_TREE", "EFI/BOOT"],
    ["the same file twice", [file("a"), file("a")], "ISO_BAD_TREE", "a"],
    ["a name with a colon", [file("c:d")], "ISO_BAD_TREE", "c:d"],
    ["a name with a control character", [file("tab\there")], "ISO_BAD_TREE", "tab"],
    ["a name ending with a dot", [file("dir./x")], "ISO_BAD_TREE", "dir."],
    ["a name ending with a space", [file("x ")], "ISO_BAD_TREE", "x "],
    ["a name of 256 code units", [file("n".repeat(256))], "ISO_BAD_TREE", "nnn"],
    ["a file as the root", [file(".")], "ISO_BAD_TREE", "."],
  ] as const)("refuses %s, naming the path", (_, headers, code, where) => {
    let error: unknown;
    try {
      buildFatTree(headers as readonly FsHeader[]);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code });
    expect((error as Error).message.startsWith(where)).toBe(true);
  });
});
