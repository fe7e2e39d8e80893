/**
 * The YAML problems of a failed load as the page shows them: `file:line:col`, the message, and the
 * offending line's text. `loadConfig` throws one `SpecValidationError` carrying every problem of
 * every file (`diagnostics`); a lone `SpecError` (raised outside parsing) has at most one place.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { type ConfigSource, SpecError, SpecValidationError } from "@ocikit/spec";
import type { ConfigProblem } from "./protocol.js";

/** Where the problems' files are read from. */
export interface ConfigProblemsOptions {
  /** The texts that were loaded, by the path they were loaded under; read before the disk. */
  readonly sources?: readonly ConfigSource[];
  /** Directory that relative file names are read from, for files not in `sources`. */
  readonly cwd: string;
}

/**
 * Every problem of a spec load error, each with the text of its line; `undefined` when `error` is not
 * a spec error (then the caller reports it as a failure, not as invalid YAML).
 */
export async function configProblems(
  error: unknown,
  options: ConfigProblemsOptions,
): Promise<ConfigProblem[] | undefined> {
  let located: { file: string; line: number; col: number; message: string }[];
  if (error instanceof SpecValidationError) {
    located = error.diagnostics.map((d) => ({ ...d.at, message: d.message }));
  } else if (error instanceof SpecError) {
    const at = error.at ?? { file: "", line: 0, col: 0 };
    located = [{ ...at, message: error.detail }];
  } else {
    return undefined;
  }
  const texts = new Map<string, string | undefined>();
  for (const s of options.sources ?? []) texts.set(s.path, s.text);
  const problems: ConfigProblem[] = [];
  for (const p of located) {
    if (p.file !== "" && !texts.has(p.file)) texts.set(p.file, await readText(resolve(options.cwd, p.file)));
    const source = lineOf(texts.get(p.file), p.line);
    problems.push(source === undefined ? p : { ...p, source });
  }
  return problems;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch {
    // The file was removed or replaced since it was loaded: the problem is still shown, without its line.
    return undefined;
  }
}

/** Line `line` (1-based) of `text`, without its line break. */
function lineOf(text: string | undefined, line: number): string | undefined {
  if (text === undefined || line < 1) return undefined;
  return text.split(/\r?\n/)[line - 1];
}
