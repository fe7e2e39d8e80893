/**
 * Turns zod's schema issues into diagnostics a person can act on: each points at the offending key
 * or value (`file:line:col`), names the field by its path, says what was found and what was
 * expected, and suggests the likely key for a misspelt one.
 */
import type { z } from "zod";
import { didYouMean } from "./did-you-mean.js";
import type { SpecDiagnostic, SpecErrorCode } from "./errors.js";
import { formatPath, type Path, type PathSegment, type YamlLocator } from "./yaml-locator.js";

/** Keys that older moby/LinuxKit formats had, and where their setting lives now. */
const MOVED_KEYS: Readonly<Record<string, string>> = {
  disableOOMKiller: 'it moved to "resources: {memory: {disableOOMKiller: …}}"',
  user: 'files have no "user"; use "uid" (a number or a container name)',
  group: 'files have no "group"; use "gid" (a number or a container name)',
  rmlimits: 'the key is spelled "rlimits"',
};

/** What we expect, in words, for zod's `expected` names. */
const EXPECTED_WORDS: Readonly<Record<string, string>> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "a boolean (true or false)",
  array: "a list",
  object: "a mapping",
  record: "a mapping",
};

/** Maps one zod issue to diagnostics (an unknown-keys issue yields one per key). */
export function diagnosticsFromIssue(
  issue: z.core.$ZodIssue,
  root: unknown,
  locator: YamlLocator,
  keysAt: (path: Path) => readonly string[],
): SpecDiagnostic[] {
  const path = issue.path.filter((s): s is PathSegment => typeof s !== "symbol");
  const where = formatPath(path);
  const diag = (code: SpecErrorCode, message: string, at = locator.locate(path)): SpecDiagnostic => ({
    code,
    at,
    message,
  });

  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => {
        const keyPath = [...path, key];
        const inWhere = path.length === 0 ? "at the top level" : `in ${where}`;
        const moved = MOVED_KEYS[key];
        const hint = moved ? `; ${moved}` : didYouMean(key, keysAt(path)) || validKeysHint(keysAt(path));
        return diag(
          "SPEC_UNKNOWN_KEY",
          `unknown key "${key}" ${inWhere}${hint}`,
          locator.locate(keyPath, { at: "key" }),
        );
      });
    case "invalid_type": {
      const value = valueAt(root, path);
      if (value === undefined) {
        const key = path[path.length - 1];
        const parent = path.slice(0, -1);
        return [
          diag(
            "SPEC_MISSING_KEY",
            `${formatPath(parent)} is missing the required key "${String(key)}"`,
            locator.locate(parent),
          ),
        ];
      }
      const expected = EXPECTED_WORDS[issue.expected] ?? issue.expected;
      return [
        diag(
          "SPEC_TYPE",
          `${where}: expected ${expected}, got ${describeValue(value, locator.sourceText(path))}${typeHint(path, value)}`,
        ),
      ];
    }
    case "invalid_union": {
      const value = valueAt(root, path);
      return [
        diag(
          "SPEC_TYPE",
          `${where}: expected a whole number or a name, got ${describeValue(value, locator.sourceText(path))}`,
        ),
      ];
    }
    case "invalid_value": {
      const value = valueAt(root, path);
      const allowed = issue.values.map((v) => JSON.stringify(v)).join(", ");
      return [
        diag(
          "SPEC_BAD_VALUE",
          `${where}: expected one of ${allowed}, got ${describeValue(value, locator.sourceText(path))}`,
        ),
      ];
    }
    default:
      return [diag("SPEC_BAD_VALUE", `${where}: ${issue.message}`)];
  }
}

function validKeysHint(keys: readonly string[]): string {
  if (keys.length === 0) return "";
  if (keys.length > 12) return '; run "ocikit schema" for the valid keys';
  return `; valid keys are ${keys.join(", ")}`;
}

function typeHint(path: Path, value: unknown): string {
  const key = path[path.length - 1];
  if (key === "mode" && typeof value === "number") {
    return '; quote octal modes ("0644"): unquoted, YAML reads them as numbers';
  }
  if (value === null) return "; write [] for an empty list, or remove the key";
  if (path.includes("rlimits"))
    return '; an rlimit is one string "name,soft,hard": quote it inside [ ], where commas separate items';
  return "";
}

/** `the string "yes"`, `the number 0644`, `a list`, … — `source` is the text as written, if known. */
function describeValue(value: unknown, source?: string): string {
  if (value === null) return "an empty value (null)";
  if (Array.isArray(value)) return "a list";
  switch (typeof value) {
    case "string":
      return `the string ${JSON.stringify(value)}`;
    case "number":
      return `the number ${source !== undefined && /^[-+.0-9a-zA-Z_]+$/.test(source) ? source : String(value)}`;
    case "boolean":
      return `the boolean ${String(value)}`;
    case "object":
      return "a mapping";
    default:
      return String(value);
  }
}

/** The value at `path` in a plain JS value, or undefined. */
function valueAt(root: unknown, path: Path): unknown {
  let node: unknown = root;
  for (const segment of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[segment as string];
  }
  return node;
}
