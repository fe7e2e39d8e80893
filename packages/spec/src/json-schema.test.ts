import { describe, expect, it } from "vitest";
import { configJsonSchema } from "./json-schema.js";

describe("configJsonSchema", () => {
  const schema = configJsonSchema() as {
    properties: Record<string, { items?: { properties?: Record<string, unknown>; required?: string[] } }>;
    additionalProperties: boolean;
  };

  it("lists every top-level key and rejects others", () => {
    expect(Object.keys(schema.properties)).toEqual([
      "kernel",
      "init",
      "onboot",
      "onshutdown",
      "services",
      "files",
      "volumes",
      "trust",
      "outputs",
    ]);
    expect(schema.additionalProperties).toBe(false);
  });

  it("describes container entries with their required keys and .add forms", () => {
    const image = schema.properties.services?.items;
    expect(image?.required).toEqual(["name", "image"]);
    expect(Object.keys(image?.properties ?? {})).toEqual(
      expect.arrayContaining(["capabilities.add", "binds.add", "runtime", "rlimits"]),
    );
  });

  it("is plain JSON", () => {
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });
});
