// Oracle: an image of four layers made by GNU tar from directories on disk, flattened two ways —
// (1) the reference: GNU tar extracts the layers bottom-up into one directory, with whiteouts,
// opaque dirs and replacements applied by hand first (the overlay semantics of the OCI image spec,
// layer.md "Applying Changesets"); (2) ours: flattenLayers → writeTar → GNU tar -x. The two trees
// are compared as `find` listings (path type mode owner size target links mtime) and byte for byte.
// Needs root (owners, mknod), GNU tar and find.
import {
  createReadStream,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { normalizeEntryPath } from "@ocikit/fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Digest } from "./digest.js";
import { type FlattenLayer, flattenLayers } from "./flatten.js";
import { writeTar } from "./tar-writer.js";
import { dirListing, sh } from "./test-support/gnu-tar.js";
import { collect, runBoth, tempDir } from "./test-support/tar-fixtures.js";
import { classifyWhiteout } from "./whiteout.js";

/**
 * Shell steps that make each layer's directory (base first), and members to delete from the layer's
 * tar afterwards: that is how a layer gets a hardlink whose target lives in a lower layer.
 */
const LAYERS: readonly { readonly script: string; readonly drop?: readonly string[] }[] = [
  {
    script: `mkdir -p etc usr/bin usr/lib var/cache opt/app lib/x data home/user dev; mkdir -m 1777 tmp
      echo root:x:0:0 > etc/passwd; echo '#!perl' > usr/bin/perl5.36; ln usr/bin/perl5.36 usr/bin/perl
      chmod 4755 usr/bin/perl5.36; echo old > usr/lib/libold.so; echo a > var/cache/a; echo b > var/cache/b
      echo cfg > opt/app/config; echo x > lib/x/file; echo f > data/file; echo me > home/user/.profile
      chown -R 1000:1000 home/user; mknod -m 666 dev/null c 1 3; ln -s usr/bin bin`,
  },
  {
    // perl5.36 removed (perl must keep its bytes), an opaque cache, opt/app removed, lib and data
    // replaced by non-directories, two hardlinks to lower-layer files (their targets dropped below).
    script: `mkdir -p etc usr/bin usr/lib var/cache opt home/user; echo root:x:0:0:new > etc/passwd
      touch usr/bin/.wh.perl5.36 var/cache/.wh..wh..opq opt/.wh.app; echo c > var/cache/c
      ln -s usr/lib lib; echo data-file > data; echo old > usr/lib/libold.so; ln usr/lib/libold.so var/libold-link
      echo me > home/user/.profile; chown -R 1000:1000 home/user; ln home/user/.profile zz-profile-link`,
    drop: ["./usr/lib/libold.so", "./home/user/.profile"],
  },
  {
    // opt/app re-created, the hardlinked library replaced (var/libold-link must keep "old"), tmp removed.
    script:
      "mkdir -p opt/app usr/lib; echo new-cfg > opt/app/config; echo new > usr/lib/libold.so; touch .wh.tmp",
  },
  { script: "touch .wh.data; mkdir -p data usr/bin; echo fresh > data/new; echo perl6 > usr/bin/raku" },
];

function isDir(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false; // does not exist
  }
}

/** The reference: apply one layer's whiteouts and replacements by hand, then let GNU tar extract it. */
function applyLayer(root: string, layerTar: string): void {
  const listing = sh("tar", ["-tvf", layerTar, "--quoting-style=literal"])
    .toString()
    .split("\n")
    .filter(Boolean);
  for (const line of listing) {
    const name = normalizeEntryPath(
      line.split(/ +/).slice(5).join(" ").split(" link to ")[0]?.split(" -> ")[0] ?? "",
    );
    const meaning = classifyWhiteout(name);
    const target = join(root, name);
    if (meaning.kind === "whiteout")
      rmSync(join(root, meaning.whiteoutTarget), { recursive: true, force: true });
    else if (meaning.kind === "opaque" && isDir(join(root, meaning.opaqueDir))) {
      for (const child of readdirSync(join(root, meaning.opaqueDir))) {
        rmSync(join(root, meaning.opaqueDir, child), { recursive: true, force: true });
      }
    } else if (meaning.kind === "entry" && name !== ".") {
      // An upper entry replaces the lower one, except a directory over a directory, which merges.
      const upperIsDir = line.startsWith("d");
      if (!(upperIsDir && isDir(target))) rmSync(target, { recursive: true, force: true });
    }
  }
  const extracted = runBoth("tar", ["-xpf", layerTar, "--numeric-owner", "--exclude=.wh.*", "-C", root]);
  expect(extracted).toMatchObject({ status: 0, stderr: "" });
}

/** Listing lines without directory mtimes (extracting into a directory changes its mtime). */
function listing(root: string): string[] {
  return dirListing(root).map((line) => (/^\S+ dir /.test(line) ? line.replace(/ @\d+$/, "") : line));
}

describe("flattenLayers agrees with GNU tar extracting the layers bottom-up with whiteouts applied", () => {
  const temp = tempDir("ocikit-flatten-");
  const reference = join(temp.path, "reference");
  const ours = join(temp.path, "ours");
  const layerTars = LAYERS.map((_, i) => join(temp.path, `layer${i}.tar`));
  let layers: FlattenLayer[];
  beforeAll(async () => {
    for (const [i, { script, drop }] of LAYERS.entries()) {
      const dir = join(temp.path, `layer${i}`);
      const tar = layerTars[i] ?? "";
      mkdirSync(dir);
      // Fixed mtimes per layer, so that the listings compare mtimes deterministically.
      sh("sh", ["-ec", `cd ${dir}\n${script}\nfind . -exec touch -h -d @${1_600_000_000 + i * 86_400} {} +`]);
      sh("tar", ["--format=pax", "--sort=name", "-cf", tar, "-C", dir, "."]);
      if (drop) sh("tar", ["--delete", "-f", tar, ...drop]);
    }
    mkdirSync(reference);
    for (const tar of layerTars) applyLayer(reference, tar);
    layers = layerTars.map((tar) => ({
      digest: sha256Digest(readFileSync(tar)),
      open: () => createReadStream(tar),
    }));
    const flattened = await collect(writeTar(flattenLayers(layers)));
    writeFileSync(join(temp.path, "flat.tar"), flattened);
    mkdirSync(ours);
    const extracted = runBoth("tar", ["-xpf", join(temp.path, "flat.tar"), "--numeric-owner", "-C", ours]);
    expect(extracted).toMatchObject({ status: 0, stderr: "" });
  });
  afterAll(() => temp.remove());

  it("gives the same tree: paths, types, modes, owners, sizes, link targets, hardlink counts", () => {
    expect(listing(ours)).toEqual(listing(reference));
  });

  it("gives the same bytes", () => {
    for (const line of listing(reference)) {
      const [path = "", kind] = line.split(" ");
      if (kind === "file")
        expect(readFileSync(join(ours, path)).equals(readFileSync(join(reference, path))), path).toBe(true);
    }
  });

  it("covers what it claims to: copied hardlinks, cross-layer links, opaque, re-created, replaced dirs", () => {
    const lines = listing(ours);
    const line = (path: string) => lines.find((l) => l.startsWith(`${path} `));
    expect(line("usr/bin/perl")).toMatch(/^usr\/bin\/perl file 4755 0:0 7 @1600000000$/);
    expect(line("usr/bin/perl5.36")).toBeUndefined();
    expect(line("var/libold-link")).toMatch(/^var\/libold-link file 0644 0:0 4 @1600000000$/);
    expect(line("usr/lib/libold.so")).toMatch(/ 4 @1600172800$/);
    expect(line("zz-profile-link")).toMatch(/^zz-profile-link file 0644 1000:1000 3 links=2 /);
    expect(lines.filter((l) => l.startsWith("var/cache/"))).toEqual([
      expect.stringMatching(/^var\/cache\/c file/),
    ]);
    expect(lines.filter((l) => l.startsWith("data"))).toEqual([
      "data dir 0755 0:0 ",
      expect.stringMatching(/^data\/new /),
    ]);
    expect(line("lib")).toMatch(/^lib symlink 0777 0:0 -> usr\/lib /);
    expect(line("opt/app/config")).toMatch(/ 8 @1600172800$/);
    expect(lines.filter((l) => /^(tmp|lib\/|opt\/app\/(?!config))/.test(l))).toEqual([]);
  });
});
