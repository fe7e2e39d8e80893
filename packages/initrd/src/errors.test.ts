import { isOcikitError } from "@ocikit/errors";
import { describe, expect, it } from "vitest";
import { InitrdError } from "./errors.js";

describe("InitrdError", () => {
  it("is an OcikitError with a stable code and what it is about", () => {
    const error = new InitrdError("INITRD_TRUNCATED", "offset 8: cut", { offset: 8 }, { cause: "why" });
    expect(isOcikitError(error)).toBe(true);
    expect(error).toMatchObject({
      name: "InitrdError",
      code: "INITRD_TRUNCATED",
      data: { offset: 8 },
      cause: "why",
    });
    expect(new InitrdError("INITRD_BAD_OPTION", "x").data).toEqual({});
  });
});
