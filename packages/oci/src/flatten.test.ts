import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { sha256Digest } from "./digest.js";
import { flattenImage, flattenLayers } from "./flatten.js";
import type { Image, Layer } from "./image.js";
import { MediaType } from "./media-types.js";
import { d, f, flatListing, h, layer, s } from "./test-support/layers.js";
import { archive, chunked, collect, member, readAll } from "./test-support/tar-fixtures.js";

type Case = [name: string, layers: Buffer[][], want: string[]];

// Layers are listed base first, as in a manifest; the flattened stream lists the top layer first.
const scenarios: Case[] = [
  ["a file replaced", [[f("a", "old")], [f("a", "new")]], ["a file new"]],
  [
    "a dir replaced by a file hides what was below it",
    [[d("a"), f("a/b", "x")], [f("a", "file")]],
    ["a file file"],
  ],
  [
    "a dir replaced by a symlink hides what was below it",
    [[d("a"), f("a/b")], [s("a", "/etc")]],
    ["a symlink -> /etc"],
  ],
  ["a file replaced by a dir", [[f("a", "x")], [d("a"), f("a/c", "c")]], ["a dir 0755", "a/c file c"]],
  [
    "dirs merge, the upper one's metadata wins",
    [
      [d("a", 0o700), f("a/low", "1")],
      [d("a", 0o755), f("a/up", "2")],
    ],
    ["a dir 0755", "a/up file 2", "a/low file 1"],
  ],
  ["a whiteout of a file", [[f("a"), f("b", "b")], [f(".wh.a")]], ["b file b"]],
  [
    "a whiteout of a dir and all below it",
    [[d("x"), f("x/y"), d("x/z"), f("x/z/w"), f("keep", "k")], [f(".wh.x")]],
    ["keep file k"],
  ],
  [
    "a whiteout in a subdirectory",
    [[d("a"), f("a/b"), f("a/c", "c")], [f("a/.wh.b")]],
    ["a dir 0755", "a/c file c"],
  ],
  [
    "an opaque dir hides what lower layers had below it, not its own entries",
    [
      [d("a"), f("a/old"), d("a/sub"), f("a/sub/deep"), f("other", "o")],
      [d("a", 0o750), f("a/.wh..wh..opq"), f("a/new", "n")],
    ],
    ["a dir 0750", "a/new file n", "other file o"],
  ],
  [
    "an opaque marker without its dir keeps the lower dir itself",
    [
      [d("a", 0o700), f("a/old")],
      [f("a/.wh..wh..opq"), f("a/new", "n")],
    ],
    ["a/new file n", "a dir 0700"],
  ],
  [
    "an opaque root",
    [
      [f("old"), d(".")],
      [f(".wh..wh..opq"), f("new", "n")],
    ],
    ["new file n", ". dir 0755"],
  ],
  [
    "a whiteout then a re-created file in one layer",
    [[f("a", "old")], [f(".wh.a"), f("a", "new")]],
    ["a file new"],
  ],
  [
    "a re-created file then its whiteout in one layer",
    [[f("a", "old")], [f("a", "new"), f(".wh.a")]],
    ["a file new"],
  ],
  [
    "a whiteout then a re-created dir in one layer",
    [
      [d("a"), f("a/old")],
      [f(".wh.a"), d("a"), f("a/new", "n")],
    ],
    ["a dir 0755", "a/new file n"],
  ],
  [
    "a whiteout re-created by a layer above it",
    [[d("a"), f("a/old")], [f(".wh.a")], [d("a"), f("a/new", "n")]],
    ["a dir 0755", "a/new file n"],
  ],
  [
    "a whiteout in a middle layer",
    [[f("a"), f("b", "b")], [f(".wh.a")], [f("c", "c")]],
    ["c file c", "b file b"],
  ],
  [
    "the root once, from the top",
    [[d(".", 0o700), f("x", "x")], [d(".", 0o755)]],
    [". dir 0755", "x file x"],
  ],
  ["first occurrence wins inside a layer (as Extract)", [[f("a", "1"), f("a", "2")]], ["a file 1"]],
  [
    "./ names and trailing slashes are one path",
    [[f("./a", "low")], [f("a", "up")], [d("./b/"), d("b")]],
    ["b dir 0755", "a file up"],
  ],
  [
    "hostile names stay inside the image",
    [
      [f("../../etc/passwd", "p"), f("/abs", "a"), d("x"), f("x/keep", "k")],
      [f("../.wh.abs"), f("x/.wh..")],
    ],
    ["etc/passwd file p", "x dir 0755", "x/keep file k"],
  ],
  [
    "a file under a symlink is data, not followed",
    [[s("link", "/etc"), f("link/passwd", "p"), f("etc/passwd", "real")]],
    ["link symlink -> /etc", "etc/passwd file real"],
  ],
  [
    "AUFS metadata is neither emitted nor applied",
    [[f("a", "a")], [d(".wh..wh.plnk"), f(".wh..wh.plnk/1.2", "x"), f(".wh..wh.aufs")]],
    ["a file a"],
  ],
  [
    "a hardlink in one layer follows its target",
    [[f("a", "data"), h("b", "a")]],
    ["a file data", "b hardlink -> a"],
  ],
  [
    "a hardlink to a lower layer's file comes after it",
    [[f("a", "data")], [h("b", "a"), f("c", "c")]],
    ["c file c", "a file data", "b hardlink -> a"],
  ],
  [
    "a hardlink whose target an upper layer removed becomes a copy",
    [[f("perl5.36", "#!perl"), h("perl", "perl5.36")], [f(".wh.perl5.36")]],
    ["perl file #!perl"],
  ],
  [
    "a hardlink whose target an upper layer replaced keeps the old bytes",
    [[f("a", "old"), h("b", "a")], [f("a", "new")]],
    ["a file new", "b file old"],
  ],
  [
    "a hardlink whose target's dir was replaced keeps the bytes",
    [[d("lib"), f("lib/x", "x"), h("y", "lib/x")], [s("lib", "usr/lib")]],
    ["lib symlink -> usr/lib", "y file x"],
  ],
  ["a hardlink to nothing passes through", [[h("b", "nowhere")]], ["b hardlink -> nowhere"]],
  ["a hardlink loop ends", [[h("x", "y"), h("y", "x")], [f("y", "up")]], ["y file up", "x hardlink -> y"]],
];

describe("flattenLayers", () => {
  it.each(scenarios)("%s", async (_name, members, want) => {
    expect(await flatListing(members.map((m) => layer(...m)))).toEqual(want);
  });

  it("reads each layer once when no hardlink needs copying", async () => {
    const layers = [layer(f("a"), h("b", "a")), layer(f("c"))];
    await flatListing(layers);
    expect(layers.map((l) => l.opened)).toEqual([1, 1]);
  });

  it("names the layer digest and the entry when a layer is truncated", async () => {
    const good = layer(f("ok"));
    const bad = layer(f("broken", "0123456789"));
    const truncated = { digest: bad.digest, open: () => chunked(bad.bytes.subarray(0, 515)) };
    const error = await flatListing([truncated, good], { ref: "docker.io/x/y:1" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "OCI_BAD_LAYER" });
    expect((error as Error).message).toContain(`docker.io/x/y:1: layer ${bad.digest}: "broken"`);
  });

  it("stops when aborted", async () => {
    const controller = new AbortController();
    const entries = flattenLayers([layer(f("a"), f("b"))], { signal: controller.signal });
    const seen: string[] = [];
    const run = async () => {
      for await (const entry of entries) {
        seen.push(entry.path);
        controller.abort();
      }
    };
    await expect(run()).rejects.toThrow();
    expect(seen).toEqual(["a"]);
  });

  it("streams bodies: a body can be skipped or read in part", async () => {
    const entries = flattenLayers([layer(f("big", "x".repeat(100_000)), f("next", "n"))]);
    const out: string[] = [];
    for await (const entry of entries) {
      if (entry.path === "next") out.push((await collect(entry.body())).toString());
    }
    expect(out).toEqual(["n"]);
  });
});

describe("flattenImage", () => {
  it("flattens an image's layers through layer.uncompressed()", async () => {
    const blobs = [
      archive(f("a", "base"), f("b", "base")),
      archive(f(".wh.a"), member({ name: "c" }, "top")),
    ];
    const layers: Layer[] = blobs.map((tar) => {
      const blob = gzipSync(tar);
      return {
        descriptor: { mediaType: MediaType.ociLayerGzip, digest: sha256Digest(blob), size: blob.length },
        blob: () => chunked(blob),
        uncompressed: () => chunked(tar),
      };
    });
    const image: Image = {
      ref: "example.com/app:1",
      digest: sha256Digest("manifest"),
      manifest: () => Promise.reject(new Error("not needed")),
      config: () => Promise.reject(new Error("not needed")),
      layers: async () => layers,
    };
    const entries = await readAll(flattenImage(image));
    expect(entries.map((e) => `${e.header.path}=${e.body.toString()}`)).toEqual(["c=top", "b=base"]);
  });
});
