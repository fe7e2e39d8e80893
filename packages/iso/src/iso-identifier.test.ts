import { describe, expect, it } from "vitest";
import { compareIsoIdentifiers, dCharacters, isoIdentifiers, nameOfIsoIdentifier } from "./iso-identifier.js";

describe("isoIdentifiers", () => {
  it.each([
    ["hosts", false, "HOSTS.;1"],
    ["resolv.conf", false, "RESOLV.CONF;1"],
    [".bashrc", false, "_BASHRC.;1"],
    ["x.tar.gz", false, "X_TAR.GZ;1"],
    ["a-very-long-configuration-file-name.conf", false, "A_VERY_LONG_CONFIGURATION_.CONF;1"],
    ["file.averylongextension", false, "FILE.AVERYLON;1"],
    ["名前.txt", false, "__.TXT;1"],
    ["😀", false, "_.;1"],
    ["lib", true, "LIB"],
    ["my.dir", true, "MY_DIR"],
    ["d".repeat(40), true, "D".repeat(31)],
  ])("names %j (directory: %s) %s", (name, isDirectory, want) => {
    expect(isoIdentifiers([{ name, isDirectory }])).toEqual([want]);
  });

  it("gives names that collide once mangled a suffix, in the order of the real names", () => {
    const names = ["file", "File", "FILE", "f-le"].map((name) => ({ name, isDirectory: false }));
    expect(isoIdentifiers(names)).toEqual(["FILE2.;1", "FILE1.;1", "FILE.;1", "F_LE.;1"]);
  });

  it("counts a directory ABC and a file ABC. as the same name", () => {
    const ids = isoIdentifiers([
      { name: "abc", isDirectory: true },
      { name: "ABC", isDirectory: false },
    ]);
    expect(ids).toEqual(["ABC1", "ABC.;1"]);
  });

  it("cuts long names to make room for the suffix, and keeps reserved names free", () => {
    const long = "x".repeat(40);
    expect(
      isoIdentifiers([
        { name: `${long}a`, isDirectory: true },
        { name: `${long}b`, isDirectory: true },
      ]),
    ).toEqual(["X".repeat(31), `${"X".repeat(30)}1`]);
    expect(isoIdentifiers([{ name: "rr_moved", isDirectory: true }], ["RR_MOVED"])).toEqual(["RR_MOVED1"]);
  });

  it("upper-cases ASCII letters and replaces other characters one per code point", () => {
    expect(dCharacters("aZ9_-.é😀")).toBe("AZ9_____");
  });
});

describe("compareIsoIdentifiers (ECMA-119 §9.3)", () => {
  it("orders by name, then extension, each padded with spaces", () => {
    const ids = ["B.TXT;1", "AB", "B.;1", "A1.;1", "A.;1", "_.;1"];
    expect([...ids].sort(compareIsoIdentifiers)).toEqual(["A.;1", "A1.;1", "AB", "B.;1", "B.TXT;1", "_.;1"]);
  });
});

describe("nameOfIsoIdentifier", () => {
  it.each([
    ["hosts", false, "HOSTS"],
    ["resolv.conf", false, "RESOLV.CONF"],
    ["x.tar.gz", false, "X_TAR.GZ"],
    ["😀", false, "_"],
    ["lib", true, "LIB"],
    ["my.dir", true, "MY_DIR"],
  ])("reads the identifier given to %j (directory: %s) as %j", (name, isDirectory, want) => {
    expect(nameOfIsoIdentifier(isoIdentifiers([{ name, isDirectory }])[0]!)).toBe(want);
  });

  it.each([
    ["README.TXT;12", "README.TXT"],
    ["NOVERSION", "NOVERSION"],
    [".", "."],
  ])("reads %j as %j", (identifier, want) => expect(nameOfIsoIdentifier(identifier)).toBe(want));
});
