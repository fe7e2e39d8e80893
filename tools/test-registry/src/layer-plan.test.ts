/** Planning a layer's entries: whiteout marker names, defaults, parents, and the archive order. */
import { describe, expect, it } from "vitest";
import type { FilesLayerSpec } from "./image-spec.js";
import { planLayerEntries } from "./layer-plan.js";

const summary = (layer: FilesLayerSpec) =>
  planLayerEntries(layer).map(
    (entry) => `${entry.type} ${entry.tarPath} ${entry.mode.toString(8)} ${entry.uid}:${entry.gid}`,
  );

describe("planLayerEntries", () => {
  it.each<[string, FilesLayerSpec, string[]]>([
    [
      "adds parents and sorts by path",
      { files: [{ path: "/usr/bin/b" }, { path: "etc/a", mode: 0o600 }] },
      [
        "dir etc 755 0:0",
        "file etc/a 600 0:0",
        "dir usr 755 0:0",
        "dir usr/bin 755 0:0",
        "file usr/bin/b 644 0:0",
      ],
    ],
    ["leaves parents out when asked", { parents: false, files: [{ path: "a/b/c" }] }, ["file a/b/c 644 0:0"]],
    [
      "names whiteout markers as layer.md says",
      {
        parents: false,
        files: [
          { path: "etc/gone", type: "whiteout" },
          { path: "var/cache", type: "opaqueWhiteout" },
          { path: "top", type: "whiteout" },
        ],
      },
      ["file .wh.top 644 0:0", "file etc/.wh.gone 644 0:0", "file var/cache/.wh..wh..opq 644 0:0"],
    ],
    [
      "puts a hardlink after its target, with the target's owner and mode",
      {
        parents: false,
        files: [
          { path: "a-link", type: "hardlink", linkTarget: "/z/target" },
          { path: "z/target", mode: 0o755, uid: 7, gid: 8 },
        ],
      },
      ["file z/target 755 7:8", "hardlink a-link 755 7:8"],
    ],
    [
      "puts a hardlink after its directory when that comes later",
      { files: [{ path: "b/target" }, { path: "c/link", type: "hardlink", linkTarget: "b/target" }] },
      ["dir b 755 0:0", "file b/target 644 0:0", "dir c 755 0:0", "hardlink c/link 644 0:0"],
    ],
    [
      "keeps explicit directories and symlinks",
      {
        files: [
          { path: "home/u", type: "dir", uid: 1000, gid: 1000, mode: 0o700 },
          { path: "home/u/l", type: "symlink", linkTarget: "/x" },
        ],
      },
      ["dir home 755 0:0", "dir home/u 700 1000:1000", "symlink home/u/l 777 0:0"],
    ],
  ])("%s", (_name, layer, want) => {
    expect(summary(layer)).toEqual(want);
  });
});
