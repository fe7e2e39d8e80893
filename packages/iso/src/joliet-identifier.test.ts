import { describe, expect, it } from "vitest";
import { JOLIET_NAME_MAX, jolietIdentifiers, ucs2Bytes } from "./joliet-identifier.js";

describe("jolietIdentifiers", () => {
  it.each([
    ["hosts", "hosts"],
    ["semi;colon:star*?", "semi_colon_star__"],
    ["back\\slash\u0001", "back_slash_"],
    ["ünïcödé 名前.txt", "ünïcödé 名前.txt"],
  ])("keeps %j as %j", (name, want) => {
    expect(jolietIdentifiers([name])).toEqual([want]);
  });

  it("cuts names to 64 code units, keeping the extension", () => {
    const [id] = jolietIdentifiers([`${"a".repeat(100)}.conf`]);
    expect(id).toBe(`${"a".repeat(JOLIET_NAME_MAX - 5)}.conf`);
  });

  it("never splits a surrogate pair", () => {
    const [id] = jolietIdentifiers(["😀".repeat(40)]);
    expect(id).toBe("😀".repeat(32));
    const [odd] = jolietIdentifiers([`a${"😀".repeat(40)}`]);
    expect(odd).toBe(`a${"😀".repeat(31)}`);
  });

  it("makes names that end up the same unique with ~N before the extension", () => {
    const long = "n".repeat(70);
    expect(jolietIdentifiers([`${long}1.txt`, `${long}2.txt`, "a;b", "a:b"])).toEqual([
      `${"n".repeat(60)}.txt`,
      `${"n".repeat(58)}~1.txt`,
      "a_b~1",
      "a_b",
    ]);
  });

  it("encodes UCS-2 big-endian", () => {
    expect([...ucs2Bytes("A名")]).toEqual([0x00, 0x41, 0x54, 0x0d]);
  });
});
