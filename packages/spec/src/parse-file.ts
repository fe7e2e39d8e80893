/**
 * Parses one YAML file into a typed `ConfigFile` and every problem in it (linuxkit-reference.md §1.1).
 *
 * Like LinuxKit, only the first YAML document is used and the generic value is checked against the
 * schema before anything else. Unlike LinuxKit, which stops at its first semantic error, we collect
 * them all: fields that fail the schema are pruned from a copy so the semantic checks can still run
 * on the rest of the file, and entries that lost a required field are skipped by those checks.
 */
import { type Document, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, visit } from "yaml";
import type { z } from "zod";
import { Damage } from "./damage.js";
import type { SpecDiagnostic, SpecWarning } from "./errors.js";
import { type ConfigFile, configFileSchema } from "./schema.js";
import { diagnosticsFromIssue } from "./schema-issues.js";
import { checkConfigFile } from "./semantic-checks.js";
import { formatPath, type Path, type PathSegment, YamlLocator } from "./yaml-locator.js";

/** One YAML text to parse; `file` is how messages name it (`<stdin>` for standard input). */
export interface ConfigInput {
  readonly file: string;
  readonly text: string;
}

/** The outcome of parsing one file. `config` is present even when there were errors, pruned of them. */
export interface ParsedFile {
  readonly file: string;
  readonly config: ConfigFile;
  readonly diagnostics: readonly SpecDiagnostic[];
  readonly warnings: readonly SpecWarning[];
  readonly locator: YamlLocator;
  /** Entries (objects inside `config`) that lost a required field and are skipped by later checks. */
  readonly incomplete: ReadonlySet<object>;
}

const TEMPLATE_PREFIX = "@pkg:";
/** Required fields of list entries: pruning them would leave an entry no check can use. */
const REQUIRED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  onboot: ["name", "image"],
  onshutdown: ["name", "image"],
  services: ["name", "image"],
  volumes: ["name"],
  outputs: ["format"],
};

/** Parses and checks one file on its own (checks that need all files are in merge.ts). */
export function parseConfigFile(input: ConfigInput): ParsedFile {
  const lines = new LineCounter();
  const docs = parseAllDocuments(input.text, {
    lineCounter: lines,
    merge: true,
    prettyErrors: false,
    uniqueKeys: true,
  });
  const doc: Document | undefined = Array.isArray(docs) ? docs[0] : undefined;
  const locator = new YamlLocator(input.file, input.text, doc, lines);
  const diagnostics: SpecDiagnostic[] = [];
  const warnings: SpecWarning[] = [];
  const empty: ParsedFile = {
    file: input.file,
    config: {},
    diagnostics,
    warnings,
    locator,
    incomplete: new Set(),
  };

  if (Array.isArray(docs) && docs.length > 1) {
    const second = docs[1];
    warnings.push({
      code: "SPEC_MULTIPLE_DOCUMENTS",
      message: "the file holds several YAML documents; only the first is used, as LinuxKit does",
      ...(second?.range ? { at: locator.posOfOffset(second.range[0]) } : {}),
    });
  }
  if (doc === undefined || doc.contents === null) {
    diagnostics.push({
      code: "SPEC_EMPTY",
      at: locator.posOfOffset(0),
      message:
        "the file is empty; expected a LinuxKit configuration (kernel, init, onboot, services, files, …)",
    });
    return empty;
  }
  if (doc.errors.length > 0) {
    diagnostics.push(...syntaxDiagnostics(doc, locator));
    return empty;
  }

  const raw: unknown = doc.toJS({ maxAliasCount: 1000 });
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    diagnostics.push({
      code: "SPEC_NOT_A_MAPPING",
      at: locator.locate([]),
      message: "the top level must be a mapping of keys such as kernel, init, onboot, services and files",
    });
    return empty;
  }
  diagnostics.push(...templateDiagnostics(doc, locator));

  const { config, incomplete, damage } = validateAndPrune(raw, locator, diagnostics);
  const semantic = checkConfigFile(config, { locator, incomplete, damage });
  diagnostics.push(...semantic.diagnostics);
  warnings.push(...semantic.warnings);
  diagnostics.sort((a, b) => a.at.line - b.at.line || a.at.col - b.at.col);
  return { file: input.file, config, diagnostics, warnings, locator, incomplete };
}

/**
 * Validates against the schema, reporting every issue, and returns a copy pruned of what failed so
 * that it satisfies the schema: bad mapping values are deleted, bad list items replaced by a neutral
 * value of the right type (so the other items keep their index, which locates them in the file), and
 * an entry whose required field was bad keeps a placeholder and is listed in `incomplete`.
 */
function validateAndPrune(
  raw: object,
  locator: YamlLocator,
  diagnostics: SpecDiagnostic[],
): { config: ConfigFile; incomplete: Set<object>; damage: Damage } {
  const value = structuredClone(raw) as Record<string, unknown>;
  const incomplete = new Set<object>();
  const damage = new Damage();
  const first = configFileSchema.safeParse(value);
  if (first.success) return { config: first.data, incomplete, damage };
  for (const issue of first.error.issues)
    diagnostics.push(...diagnosticsFromIssue(issue, raw, locator, keysAt));

  for (let round = 0; round < 6; round++) {
    const result = configFileSchema.safeParse(value);
    if (result.success)
      return { config: result.data, incomplete: remap(incomplete, value, result.data), damage };
    for (const issue of result.error.issues) prune(value, issue, incomplete, damage);
  }
  // Cannot happen: each round replaces or removes what failed.
  return { config: {}, incomplete, damage };
}

/** Removes or neutralises what an issue complains about in `value` (mutates it). */
function prune(
  value: Record<string, unknown>,
  issue: z.core.$ZodIssue,
  incomplete: Set<object>,
  damage: Damage,
): void {
  const path = issue.path.filter((s): s is PathSegment => typeof s !== "symbol");
  if (issue.code === "unrecognized_keys") {
    const holder = lookup(value, path);
    if (holder && typeof holder === "object")
      for (const key of issue.keys) delete (holder as Record<string, unknown>)[key];
    damage.damage(path);
    return;
  }
  if (path.length === 0) return;
  const parentPath = path.slice(0, -1);
  const parent = lookup(value, parentPath);
  const last = path[path.length - 1] as PathSegment;
  if (parent === null || typeof parent !== "object") return;
  damage.prune(path);
  damage.damage(parentPath);
  // A bad required field of a list entry: keep the entry (its name matters to other checks) with a
  // placeholder, and remember to skip it.
  const section = path[0];
  if (
    typeof section === "string" &&
    path.length === 3 &&
    typeof last === "string" &&
    REQUIRED_FIELDS[section]?.includes(last)
  ) {
    (parent as Record<string, unknown>)[last] = "";
    incomplete.add(parent);
    return;
  }
  if (typeof last === "number" && Array.isArray(parent)) {
    const neutral = neutralValue(issue);
    if (neutral !== undefined) {
      parent[last] = neutral;
      return;
    }
  }
  if (typeof last === "string") {
    delete (parent as Record<string, unknown>)[last];
    return;
  }
  // A list item with no neutral value: drop the whole list (from the mapping that holds it).
  const listKey = parentPath[parentPath.length - 1];
  const holder = lookup(value, parentPath.slice(0, -1));
  if (typeof listKey === "string" && holder && typeof holder === "object") {
    delete (holder as Record<string, unknown>)[listKey];
    damage.prune(parentPath);
  }
}

/** A value of the type the schema expected, standing in for a bad list item. */
function neutralValue(issue: z.core.$ZodIssue): unknown {
  if (issue.code === "invalid_union") return 0;
  if (issue.code !== "invalid_type") return undefined;
  switch (issue.expected) {
    case "string":
      return "";
    case "number":
    case "int":
      return 0;
    case "boolean":
      return false;
    case "object":
    case "record":
      return {};
    case "array":
      return [];
    default:
      return undefined;
  }
}

/** zod returns new objects; carry the `incomplete` marks over to them by position. */
function remap(marked: Set<object>, before: Record<string, unknown>, after: ConfigFile): Set<object> {
  const out = new Set<object>();
  if (marked.size === 0) return out;
  for (const section of Object.keys(REQUIRED_FIELDS)) {
    const list = before[section];
    const parsed = (after as Record<string, unknown>)[section];
    if (!Array.isArray(list) || !Array.isArray(parsed)) continue;
    list.forEach((entry, i) => {
      if (marked.has(entry as object) && parsed[i]) out.add(parsed[i] as object);
    });
  }
  return out;
}

function lookup(root: unknown, path: Path): unknown {
  let node = root;
  for (const segment of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[segment as string];
  }
  return node;
}

/**
 * YAML errors: every duplicate key (named, with where the first one is), and the first other error
 * only — one unclosed bracket makes the parser report several, and only the first is meaningful.
 */
function syntaxDiagnostics(doc: Document, locator: YamlLocator): SpecDiagnostic[] {
  const out: SpecDiagnostic[] = [];
  const duplicates = doc.errors.filter((e) => e.code === "DUPLICATE_KEY");
  const other = doc.errors.find((e) => e.code !== "DUPLICATE_KEY");
  if (duplicates.length > 0) {
    visit(doc, {
      Map(_key, map, ancestors) {
        const seen = new Map<string, number>();
        for (const pair of map.items) {
          if (!isScalar(pair.key)) continue;
          const name = String(pair.key.value);
          const offset = pair.key.range?.[0] ?? 0;
          const first = seen.get(name);
          if (first === undefined) {
            seen.set(name, offset);
            continue;
          }
          const where = formatPath(pathOf(ancestors, map));
          out.push({
            code: "SPEC_YAML_SYNTAX",
            at: locator.posOfOffset(offset),
            message: `duplicate key "${name}" ${where === "the top level" ? "at the top level" : `in ${where}`} (first at line ${locator.posOfOffset(first).line}); a key may appear only once in a mapping, remove one`,
          });
        }
      },
    });
  }
  out.sort((a, b) => a.at.line - b.at.line || a.at.col - b.at.col);
  if (other) {
    out.push({
      code: "SPEC_YAML_SYNTAX",
      at: locator.posOfOffset(other.pos[0]),
      message: `YAML syntax error: ${firstLine(other.message)}`,
    });
  }
  return out;
}

/** The path of `node` from the ancestors `visit` gives (Document, maps, pairs, sequences). */
function pathOf(ancestors: readonly unknown[], node: unknown): PathSegment[] {
  const chain = [...ancestors, node];
  const path: PathSegment[] = [];
  chain.forEach((step, i) => {
    if (isPair(step) && isScalar(step.key)) path.push(String(step.key.value));
    else if (isSeq(step)) path.push(step.items.indexOf(chain[i + 1] as never));
  });
  return path;
}

/** `@pkg:` templates need LinuxKit's package builder, which ocikit does not have (§2.3). */
function templateDiagnostics(doc: Document, locator: YamlLocator): SpecDiagnostic[] {
  const out: SpecDiagnostic[] = [];
  visit(doc, {
    Scalar(_key, node) {
      if (isScalar(node) && typeof node.value === "string" && node.value.startsWith(TEMPLATE_PREFIX)) {
        out.push({
          code: "SPEC_TEMPLATE_UNSUPPORTED",
          at: locator.posOfOffset(node.range?.[0] ?? 0),
          message: `"${node.value}": @pkg: templates are not supported by ocikit; build the package with "linuxkit pkg build" and use its image reference instead`,
        });
      }
    },
  });
  return out;
}

/** The valid keys of the mapping at `path` in the schema (for "did you mean"). */
export function keysAt(path: Path): readonly string[] {
  let schema: unknown = configFileSchema;
  for (const segment of [...path, undefined]) {
    schema = unwrap(schema);
    const def = (schema as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return [];
    if (segment === undefined) return def.type === "object" ? Object.keys(def.shape as object) : [];
    if (def.type === "object") schema = (def.shape as Record<string, unknown>)[segment as string];
    else if (def.type === "array") schema = def.element;
    else if (def.type === "record") schema = def.valueType;
    else return [];
  }
  return [];
}

function unwrap(schema: unknown): unknown {
  let s = schema;
  for (;;) {
    const def = (s as { _zod?: { def?: { type?: string; innerType?: unknown } } })._zod?.def;
    if (def?.type === "optional" || def?.type === "nullable" || def?.type === "default") s = def.innerType;
    else return s;
  }
}

function firstLine(message: string): string {
  return (message.split("\n")[0] ?? message).replace(/ at line \d+, column \d+:?$/, "");
}
