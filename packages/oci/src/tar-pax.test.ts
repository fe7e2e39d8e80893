import { describe, expect, it } from "vitest";
import { encodePaxRecords, parsePaxRecords } from "./tar-pax.js";

const utf8 = (text: string) => new TextEncoder().encode(text);

describe("PAX records", () => {
  it.each([
    ["short", [["path", "a"]], "9 path=a\n"],
    ["length crosses a digit boundary", [["k", "x".repeat(94)]], `101 k=${"x".repeat(94)}\n`],
    ["utf-8 value", [["path", "é"]], "11 path=é\n"],
    ["binary xattr", [["SCHILY.xattr.security.capability", "\u0001\u0000\u00ff"]], null],
  ] as const)("round trips %s", (_name, records, want) => {
    const bytes = encodePaxRecords(records.map(([k, v]) => [k, v]));
    if (want !== null) expect(Buffer.from(bytes).toString("utf8")).toBe(want);
    expect(parsePaxRecords(bytes, "t")).toEqual(Object.fromEntries(records));
  });

  it("keeps xattr values as bytes", () => {
    const bytes = encodePaxRecords([["SCHILY.xattr.user.b", "\u00ff\u0000"]]);
    expect([...bytes.subarray(bytes.length - 3)]).toEqual([0xff, 0x00, 0x0a]);
  });

  it("tolerates NUL padding, later keys win", () => {
    expect(parsePaxRecords(utf8("9 path=a\n9 path=b\n\0\0"), "t")).toEqual({ path: "b" });
  });

  it.each([
    ["no length", "path=a\n"],
    ["length too long", "99 path=a\n"],
    ["no newline", "9 path=ab"],
    ["no equals", "8 patha\n"],
    ["empty key", "5 =a\n"],
    ["zero length", "0 path=a\n"],
  ])("rejects %s", (_name, text) => {
    expect(() => parsePaxRecords(utf8(text), "layer x")).toThrow(
      expect.objectContaining({ code: "OCI_BAD_LAYER" }),
    );
  });
});
