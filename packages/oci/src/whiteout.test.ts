import { describe, expect, it } from "vitest";
import { classifyWhiteout, isWhiteout } from "./whiteout.js";

describe("classifyWhiteout", () => {
  it.each([
    ["etc/passwd", { kind: "entry" }],
    ["etc/.whatever", { kind: "entry" }],
    [".wh.etc", { kind: "whiteout", whiteoutTarget: "etc" }],
    ["a/b/.wh.c", { kind: "whiteout", whiteoutTarget: "a/b/c" }],
    ["a/.wh..hidden", { kind: "whiteout", whiteoutTarget: "a/.hidden" }],
    ["a/.wh..wh..opq", { kind: "opaque", opaqueDir: "a" }],
    [".wh..wh..opq", { kind: "opaque", opaqueDir: "." }],
    [".wh..wh.plnk", { kind: "meta" }],
    [".wh..wh.plnk/1234.5", { kind: "meta" }],
    ["a/.wh..wh.aufs", { kind: "meta" }],
    ["a/.wh.", { kind: "meta" }],
    ["a/.wh..", { kind: "meta" }],
    ["a/b/.wh...", { kind: "meta" }],
  ])("%s", (path, want) => {
    expect(classifyWhiteout(path)).toEqual(want);
    expect(isWhiteout(path)).toBe(want.kind !== "entry");
  });
});
