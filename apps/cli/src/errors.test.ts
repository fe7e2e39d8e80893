import { OcikitError } from "@ocikit/errors";
import { describe, expect, it } from "vitest";
import { CliError, exitCodeOf } from "./errors.js";

describe("exitCodeOf", () => {
  it.each([
    ["CLI_USAGE", 2],
    ["CLI_READ_FAILED", 2],
    ["SPEC_INVALID", 2],
    ["SPEC_TEMPLATE_UNSUPPORTED", 2],
    ["BUILD_UNSUPPORTED_FORMAT", 2],
    ["BUILD_BAD_OPTIONS", 2],
    ["BUILD_NO_KERNEL", 2],
    ["BUILD_FILE_SOURCE", 2],
    ["BUILD_KERNEL_NOT_FOUND", 1],
    ["BUILD_OUTPUT", 1],
    ["OCI_DIGEST_MISMATCH", 1],
  ])("%s exits %i", (code, want) => {
    expect(exitCodeOf(new OcikitError(code, "x"))).toBe(want);
  });

  it("CliError keeps its code and is an OcikitError", () => {
    const err = new CliError("CLI_USAGE", "ocikit build: bad");
    expect(err).toBeInstanceOf(OcikitError);
    expect([err.code, err.name, err.message]).toEqual(["CLI_USAGE", "CliError", "ocikit build: bad"]);
  });
});
