import { describe, expect, it } from "vitest";
import { formatGoJson } from "./go-json.js";

describe("formatGoJson", () => {
  it("indents with four spaces like json.MarshalIndent and keeps key order", () => {
    expect(formatGoJson({ b: 1, a: [true, null], e: [], o: {} })).toBe(
      '{\n    "b": 1,\n    "a": [\n        true,\n        null\n    ],\n    "e": [],\n    "o": {}\n}',
    );
  });

  it("escapes like Go's encoder (HTML characters, control characters, line separators), as Go 1.22+", () => {
    expect(formatGoJson('<a & b>\u2028\b\f\n\t"\\é')).toBe(
      '"\\u003ca \\u0026 b\\u003e\\u2028\\b\\f\\n\\t\\"\\\\é"',
    );
  });

  it("writes uint64 bigints exactly and drops undefined fields", () => {
    expect(formatGoJson({ hard: 18446744073709551615n, skip: undefined })).toBe(
      '{\n    "hard": 18446744073709551615\n}',
    );
  });

  it("round-trips through JSON.parse", () => {
    const value = { s: "x<y", n: -3.5, list: [{ k: "v" }] };
    expect(JSON.parse(formatGoJson(value))).toEqual(value);
  });
});
