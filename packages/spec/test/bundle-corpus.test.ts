/**
 * The bundle corpus (test-fixtures/spec/bundles): each case has `config.yml`, `case.json` —
 * `{ "entry": "<section>/<index>", "imageConfig": {…OCI image config…}, "extractedTo"?: "…" }` —
 * and either `expected-config.json` + `expected-runtime.json` (as LinuxKit writes them into the
 * bundle) or `expected-error.txt`.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  allocateIds,
  bundleRuntime,
  formatGoJson,
  generateBundleConfigs,
  type ImageConfigInfo,
  loadConfig,
  SpecError,
} from "../src/index.js";
import { expectGolden, updating } from "./golden.js";

const corpus = join(import.meta.dirname, "../../../test-fixtures/spec/bundles");
const cases = readdirSync(corpus, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

interface CaseFile {
  readonly entry: string;
  readonly imageConfig?: ImageConfigInfo;
  readonly extractedTo?: string;
}

describe("bundle corpus", () => {
  it("has at least 15 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  it.each(cases)("%s", (name) => {
    const dir = join(corpus, name);
    const spec = JSON.parse(readFileSync(join(dir, "case.json"), "utf8")) as CaseFile;
    const { config, sources } = loadConfig([
      { path: "config.yml", text: readFileSync(join(dir, "config.yml"), "utf8") },
    ]);
    const [section, indexText] = spec.entry.split("/") as ["onboot" | "onshutdown" | "services", string];
    const index = Number(indexText);
    const entry = config[section][index];
    if (!entry) throw new Error(`${name}: no entry ${spec.entry} in config.yml`);
    const errorFile = join(dir, "expected-error.txt");
    try {
      const at = sources.locate([section, index]);
      const generated = generateBundleConfigs(entry, {
        ids: allocateIds(config),
        volumes: config.volumes,
        ...(spec.imageConfig ? { imageConfig: spec.imageConfig } : {}),
        ...(at ? { at } : {}),
      });
      const bundlePath =
        section === "services"
          ? `containers/services/${entry.name}`
          : `containers/${section}/${String(index).padStart(3, "0")}-${entry.name}`;
      const runtime = bundleRuntime(generated.runtime, {
        path: bundlePath,
        readonly: generated.effective.readonly ?? false,
        ...(spec.extractedTo ? { extractedTo: spec.extractedTo } : {}),
      });
      if (updating) rmSync(errorFile, { force: true });
      expect(existsSync(errorFile), `${name} generates, but expected-error.txt says it should fail`).toBe(
        false,
      );
      expectGolden(join(dir, "expected-config.json"), `${formatGoJson(generated.config)}\n`);
      expectGolden(join(dir, "expected-runtime.json"), `${formatGoJson(runtime)}\n`);
    } catch (error) {
      if (!(error instanceof SpecError)) throw error;
      if (updating) {
        rmSync(join(dir, "expected-config.json"), { force: true });
        rmSync(join(dir, "expected-runtime.json"), { force: true });
      }
      expect(existsSync(join(dir, "expected-config.json")), `${name} fails: ${error.message}`).toBe(false);
      expectGolden(errorFile, `${error.code}: ${error.message}\n`);
    }
  });
});
