/**
 * The entry point for YAML: parse each file, check it, merge them in order (§2.2), check the whole,
 * and either return the `Config` or throw one error listing every problem of every file.
 */
import { SpecValidationError, type SpecWarning } from "./errors.js";
import { type Config, mergeParsedFiles, type SourceMap } from "./merge.js";
import { parseConfigFile } from "./parse-file.js";

/** One configuration file: `path` as the user gave it (`-` for standard input) and its text. */
export interface ConfigSource {
  readonly path: string;
  readonly text: string;
}

/** A validated configuration, where each part of it came from, and what was tolerated. */
export interface LoadedConfig {
  readonly config: Config;
  readonly sources: SourceMap;
  readonly warnings: readonly SpecWarning[];
  /** The default output name: the last file's base name without extension, `moby` for stdin. */
  readonly name: string;
}

/** How diagnostics name standard input. */
export const STDIN_NAME = "<stdin>";

/**
 * Parses, validates and merges configuration files.
 * @throws {SpecValidationError} `SPEC_INVALID`, listing every problem as `file:line:col: message`
 * @example
 * ```ts
 * const { config, name } = loadConfig([{ path: "linuxkit.yml", text: "init: [linuxkit/init:v1.2.0]\n" }]);
 * // config.init → ["docker.io/linuxkit/init:v1.2.0"], name → "linuxkit"
 * ```
 */
export function loadConfig(sources: readonly ConfigSource[]): LoadedConfig {
  const parsed = sources.map((s) =>
    parseConfigFile({ file: s.path === "-" ? STDIN_NAME : s.path, text: s.text }),
  );
  const merged = mergeParsedFiles(parsed);
  const diagnostics = [...parsed.flatMap((p) => p.diagnostics), ...merged.diagnostics];
  if (diagnostics.length > 0) throw new SpecValidationError(diagnostics);
  return {
    config: merged.config,
    sources: merged.sources,
    warnings: [...parsed.flatMap((p) => p.warnings), ...merged.warnings],
    name: defaultOutputName(sources.map((s) => s.path)),
  };
}

/** LinuxKit's default output name: base name of the last path without its extension; `moby` for `-`. */
export function defaultOutputName(paths: readonly string[]): string {
  const last = paths[paths.length - 1];
  if (last === undefined || last === "-") return "moby";
  const base = last.split(/[\\/]/).pop() ?? last;
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(0, dot) : base;
}
