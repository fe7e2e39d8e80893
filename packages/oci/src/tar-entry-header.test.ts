import { describe, expect, it } from "vitest";
import { resolveTarHeader, type TarExtensions } from "./tar-entry-header.js";
import type { RawTarHeader } from "./tar-header.js";

const raw: RawTarHeader = {
  name: "header-name",
  mode: 0o644,
  uid: 1,
  gid: 2,
  size: 10,
  mtime: 100,
  typeflag: "0",
  linkname: "header-link",
  uname: "",
  gname: "",
  devMajor: 5,
  devMinor: 6,
};
const none: TarExtensions = { pax: {} };

describe("resolveTarHeader", () => {
  it.each<[string, Partial<RawTarHeader>, TarExtensions, Record<string, unknown>]>([
    ["header fields", {}, none, { path: "header-name", uid: 1, size: 10, mtime: 100 }],
    [
      "PAX replaces header fields",
      {},
      { pax: { path: "pax", uid: "9", mtime: "1.25" } },
      { path: "pax", uid: 9, mtime: 1.25 },
    ],
    [
      "an empty PAX value keeps the header's",
      {},
      { pax: { path: "", uid: "" } },
      { path: "header-name", uid: 1 },
    ],
    ["a GNU long name beats PAX", {}, { pax: { path: "pax" }, longName: "gnu/long" }, { path: "gnu/long" }],
    [
      "a GNU long link beats PAX",
      { typeflag: "2" },
      { pax: { linkpath: "p" }, longLink: "g" },
      { linkTarget: "g" },
    ],
    ["a v7 dir", { typeflag: "\0", name: "d/" }, none, { type: "dir", path: "d", size: 0 }],
    [
      "device numbers only on devices",
      { typeflag: "3" },
      none,
      { type: "char", devMajor: 5, devMinor: 6, size: 0 },
    ],
    ["no device numbers on files", {}, none, { devMajor: undefined, devMinor: undefined }],
    ["no owner names when empty", {}, none, { uname: undefined, gname: undefined }],
  ])("%s", (_name, overrides, extensions, want) => {
    const { header } = resolveTarHeader({ ...raw, ...overrides }, extensions, "t");
    for (const [key, value] of Object.entries(want)) {
      if (value === undefined) expect(key in header, key).toBe(false);
      else expect(header, key).toHaveProperty(key, value);
    }
  });

  it.each([
    ["file", "0", 10],
    ["contiguous file", "7", 10],
    ["dir", "5", 0],
    ["hardlink", "1", 0],
    ["symlink", "2", 0],
    ["fifo", "6", 0],
  ])("a %s has a body of its size field only if it is a file", (_name, typeflag, bodySize) => {
    expect(resolveTarHeader({ ...raw, typeflag }, none, "t").bodySize).toBe(bodySize);
  });

  it("names the source and the entry in errors", () => {
    expect(() => resolveTarHeader({ ...raw, typeflag: "S" }, none, "layer sha256:1")).toThrow(
      expect.objectContaining({
        code: "OCI_BAD_LAYER",
        message: expect.stringMatching(/^layer sha256:1: "header-name": .*sparse/),
      }),
    );
  });
});
