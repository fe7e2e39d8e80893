/**
 * The YAML corpus (test-fixtures/spec/yaml): each case directory holds one or more input files
 * (`input.yml`, or `input-1.yml`, `input-2.yml`, … merged in that order) and either
 * `expected.yml` (the normalised config that `ocikit build --dry-run` prints) or
 * `expected-errors.txt` (every diagnostic, one `file:line:col: message` per line), plus
 * `expected-warnings.txt` when the case has warnings.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatDiagnostic, loadConfig, renderConfigYaml, SpecValidationError } from "../src/index.js";
import { expectGolden, updating } from "./golden.js";

const corpus = join(import.meta.dirname, "../../../test-fixtures/spec/yaml");
const cases = readdirSync(corpus, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

describe("YAML corpus", () => {
  it("has at least 60 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });

  it.each(cases)("%s", (name) => {
    const dir = join(corpus, name);
    const inputs = readdirSync(dir)
      .filter((f) => /^input(-\d+)?\.ya?ml$/.test(f))
      .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
    expect(inputs.length, "a case needs input.yml or input-N.yml").toBeGreaterThan(0);
    const sources = inputs.map((f) => ({ path: f, text: readFileSync(join(dir, f), "utf8") }));
    const expectedYaml = join(dir, "expected.yml");
    const expectedErrors = join(dir, "expected-errors.txt");
    const expectedWarnings = join(dir, "expected-warnings.txt");
    let outcome: { ok: true; text: string; warnings: string } | { ok: false; text: string };
    try {
      const loaded = loadConfig(sources);
      outcome = {
        ok: true,
        text: renderConfigYaml(loaded.config),
        warnings: lines(loaded.warnings.map(formatDiagnostic)),
      };
    } catch (error) {
      if (!(error instanceof SpecValidationError)) throw error;
      outcome = { ok: false, text: lines(error.diagnostics.map(formatDiagnostic)) };
    }
    if (updating) {
      // A case is either valid or invalid: drop the golden of the other kind.
      rmSync(outcome.ok ? expectedErrors : expectedYaml, { force: true });
      if (!outcome.ok || outcome.warnings === "") rmSync(expectedWarnings, { force: true });
    }
    if (outcome.ok) {
      expect(existsSync(expectedErrors), `${name} loads, but expected-errors.txt says it should fail`).toBe(
        false,
      );
      expectGolden(expectedYaml, outcome.text);
      if (outcome.warnings !== "" || existsSync(expectedWarnings))
        expectGolden(expectedWarnings, outcome.warnings);
      // What --dry-run prints must load again to the same configuration.
      const again = loadConfig([{ path: "dry-run.yml", text: outcome.text }]);
      expect(renderConfigYaml(again.config)).toBe(outcome.text);
    } else {
      expect(existsSync(expectedYaml), `${name} fails, but expected.yml says it should load`).toBe(false);
      expectGolden(expectedErrors, outcome.text);
    }
  });
});

function lines(items: readonly string[]): string {
  return items.map((l) => `${l}\n`).join("");
}
