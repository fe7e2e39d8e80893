import { loadConfig } from "@ocikit/spec";
import { describe, expect, it } from "vitest";
import { generateConfig, parseValidateGenerate } from "./spec-bench.js";

describe("spec benchmark workload", () => {
  it("generates a valid config with the requested number of services", () => {
    const { config } = loadConfig([{ path: "bench.yml", text: generateConfig(25) }]);
    expect(config.services).toHaveLength(25);
    expect(config.services[3]?.uid).toBe("sysctl");
  });

  it("generates a config.json and runtime.json per service", () => {
    expect(parseValidateGenerate(generateConfig(3))).toBeGreaterThan(3 * 2000);
  });
});
