import { describe, expect, it } from "vitest";
import { assert, InternalError, isOcikitError, OcikitError } from "./index.js";

class DemoError extends OcikitError {}

describe("errors", () => {
  it("keeps the code, the message and the subclass name", () => {
    const err = new DemoError("DEMO_CODE", "where: what; do this", { cause: new Error("inner") });
    expect(err.code).toBe("DEMO_CODE");
    expect(err.message).toBe("where: what; do this");
    expect(err.name).toBe("DemoError");
    expect((err.cause as Error).message).toBe("inner");
    expect(isOcikitError(err)).toBe(true);
  });

  it("assert throws an InternalError that says it is a bug", () => {
    expect(() => assert(1 + 1 === 3, "arithmetic")).toThrow(InternalError);
    expect(() => assert(false, "x")).toThrow(/internal error: x; this is a bug/);
    expect(() => assert(true, "fine")).not.toThrow();
    expect(isOcikitError(new InternalError("y"))).toBe(false);
  });
});
