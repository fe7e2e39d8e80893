import { describe, expect, it } from "vitest";
import { indentLines } from "./text-table.js";

describe("indentLines", () => {
  it.each([
    ["one line", "case  ms", "  case  ms"],
    ["each line", "case  ms\nfirst  12", "  case  ms\n  first  12"],
  ])("indents %s by two spaces", (_, text, want) => expect(indentLines(text)).toBe(want));
});
