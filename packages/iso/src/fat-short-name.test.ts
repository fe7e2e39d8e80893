import { describe, expect, it } from "vitest";
import { assignShortNames, displayShortName, isExactShortName, shortNameField } from "./fat-short-name.js";

describe("8.3 short names", () => {
  it.each([
    ["BOOTX64.EFI", true],
    ["EFI", true],
    ["A~1.B$", true],
    ["bootx64.efi", false],
    ["LONGERNAME.EFI", false],
    ["NAME.EFIX", false],
    ["A.B.C", false],
    ["HAS SPACE", false],
    [".HIDDEN", false],
    ["PLUS+.TXT", false],
  ])("%s is exact: %s", (name, want) => expect(isExactShortName(name)).toBe(want));

  it.each([
    ["BOOTX64.EFI", "BOOTX64 EFI"],
    ["EFI", "EFI        "],
  ])("%s is stored as %j", (name, field) => {
    expect(shortNameField(name)).toBe(field);
    expect(displayShortName(field)).toBe(name);
  });

  it("gives a directory's names aliases the way mcopy and Windows do", () => {
    const names = [
      "A long file name.txt", // mcopy made ALONGF~1.TXT (test-fixtures/iso/fat)
      "bootx64.efi", // upper case loses nothing: no tail
      "EFI",
      "linux.efi.stub", // base before the first dot, extension after the last
      "ünïcödé.txt",
      ".bashrc",
      "A long file name 2.txt",
      "ALONGF~1.TXT", // an exact name is reserved before aliases are handed out
    ];
    expect(assignShortNames(names).map((s) => [displayShortName(s.shortName), s.hasLongName])).toEqual([
      ["ALONGF~2.TXT", true],
      ["BOOTX64.EFI", true],
      ["EFI", false],
      ["LINUX~1.STU", true],
      ["_N_C_D~1.TXT", true],
      ["BASHRC~1", true],
      ["ALONGF~3.TXT", true],
      ["ALONGF~1.TXT", false],
    ]);
  });

  it("counts tails past ~9 by shortening the base", () => {
    const names = Array.from({ length: 12 }, (_, i) => `long name ${i}.conf`);
    const aliases = assignShortNames(names).map((s) => displayShortName(s.shortName));
    expect(aliases.slice(0, 2)).toEqual(["LONGNA~1.CON", "LONGNA~2.CON"]);
    expect(aliases.slice(9)).toEqual(["LONGN~10.CON", "LONGN~11.CON", "LONGN~12.CON"]);
    expect(new Set(aliases).size).toBe(12);
  });
});
