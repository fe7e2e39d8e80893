import { describe, expect, it } from "vitest";
import { materializeHardlink } from "./hardlink-copy.js";
import { f, h, layer } from "./test-support/layers.js";
import { readAll } from "./test-support/tar-fixtures.js";

const held = (linkTarget: string, from: number) => ({
  header: {
    path: "link",
    type: "hardlink" as const,
    mode: 0o644,
    uid: 0,
    gid: 0,
    mtime: 0,
    size: 0,
    linkTarget,
  },
  layer: from,
  action: "copy" as const,
});
const copy = async (layers: ReturnType<typeof layer>[], target: string, from: number) =>
  (await readAll(materializeHardlink(layers, held(target, from), (l) => `layer ${l.digest}`))).map(
    (e) =>
      `${e.header.path} ${e.header.type} ${e.header.mode.toString(8)} ${e.body.toString() || e.header.linkTarget}`,
  );

describe("materializeHardlink", () => {
  it("copies the target from the link's own layer, with the target's metadata", async () => {
    expect(await copy([layer(f("a", "low")), layer(f("a", "mine", 0o755))], "a", 1)).toEqual([
      "link file 755 mine",
    ]);
  });

  it("looks in lower layers, never in upper ones", async () => {
    expect(await copy([layer(f("a", "low")), layer(f("b")), layer(f("a", "upper"))], "a", 1)).toEqual([
      "link file 644 low",
    ]);
  });

  it("follows a link to a link", async () => {
    expect(await copy([layer(f("a", "data"), h("b", "a"))], "b", 0)).toEqual(["link file 644 data"]);
  });

  it("passes the link through when the target is nowhere, or a directory", async () => {
    expect(await copy([layer(f("x"))], "a", 0)).toEqual(["link hardlink 644 a"]);
    expect(await copy([layer(f("a/x"))], "a", 0)).toEqual(["link hardlink 644 a"]);
  });

  it("reads every layer it opens to the end, so its digest is checked again", async () => {
    const layers = [layer(f("a", "low"), f("z", "after"))];
    let ended = false;
    const watched = [
      {
        ...layers[0]!,
        open: async function* () {
          yield* layers[0]!.open();
          ended = true;
        },
      },
    ];
    await readAll(materializeHardlink(watched, held("a", 0), () => "x"));
    expect(ended).toBe(true);
  });
});
