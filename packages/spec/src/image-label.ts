/**
 * Image-label defaults (linuxkit-reference.md §2.1): an image may carry an `org.mobyproject.config`
 * label — a JSON (or YAML) object with the fields of a container entry — whose values fill in what
 * the YAML entry leaves out. This file reads and validates that label and merges it under an entry.
 *
 * Deviations from LinuxKit (docs/compatibility.md): `capabilities.add` and `binds.add` entries that
 * are already in the label's list are not added twice (Appendix A.3); `all` in a merged capability
 * list means all capabilities even when the label contributed other names.
 */
import { isMap, isPair, isScalar, LineCounter, parseDocument } from "yaml";
import { capabilityKeyword } from "./capabilities.js";
import { type SourcePos, SpecError } from "./errors.js";
import type { ImageEntry, ImageLabel, RuntimeEntry } from "./schema.js";
import { imageLabelSchema } from "./schema.js";
import { diagnosticsFromIssue } from "./schema-issues.js";
import { YamlLocator } from "./yaml-locator.js";

/** The label that carries image defaults. */
export const IMAGE_CONFIG_LABEL = "org.mobyproject.config";

/**
 * Parses an `org.mobyproject.config` label value. `ref` names the image in messages.
 * @throws {SpecError} `SPEC_LABEL_INVALID` when the label is not an object of container fields
 */
export function parseImageLabel(text: string, ref: string, at?: SourcePos): ImageLabel {
  const where = `label ${IMAGE_CONFIG_LABEL} of image ${ref}`;
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new SpecError(
      "SPEC_LABEL_INVALID",
      `${where} is not valid JSON or YAML: ${doc.errors[0]?.message ?? ""}`,
      at,
    );
  }
  const value: unknown = doc.toJS();
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new SpecError("SPEC_LABEL_INVALID", `${where} must be an object of container settings`, at);
  }
  if (isMap(doc.contents)) {
    for (const pair of doc.contents.items) {
      const key = isPair(pair) && isScalar(pair.key) ? String(pair.key.value) : "";
      if (key === "name" || key === "image") {
        throw new SpecError("SPEC_LABEL_INVALID", `${where} cannot set "${key}"`, at);
      }
    }
  }
  const result = imageLabelSchema.safeParse(value);
  if (!result.success) {
    const locator = new YamlLocator("label", text, doc, lines);
    const problems = result.error.issues
      .flatMap((issue) =>
        diagnosticsFromIssue(issue, value, locator, () => Object.keys(imageLabelSchema.shape)),
      )
      .map((d) => d.message);
    throw new SpecError("SPEC_LABEL_INVALID", `${where} is invalid: ${problems.join("; ")}`, at);
  }
  return result.data;
}

/**
 * The entry with the label's values filled in where the YAML has none (§2.1): a field the YAML sets
 * (even to an empty list) wins; otherwise the label's; `capabilities.add`/`binds.add` extend the
 * label's list when the YAML does not set the plain field; `runtime` merges field by field. The
 * result has no `.add` keys left.
 */
export function applyImageLabel(entry: ImageEntry, label: ImageLabel | undefined): ImageEntry {
  const merged: Record<string, unknown> = { ...(label ?? {}) };
  for (const [key, value] of Object.entries(entry)) {
    if (value === undefined || key === "capabilities.add" || key === "binds.add" || key === "runtime")
      continue;
    // Plain strings: LinuxKit treats "" as absent for these (assignStringEmpty).
    if (EMPTY_MEANS_ABSENT.has(key) && value === "") continue;
    merged[key] = value;
  }
  delete merged["capabilities.add"];
  delete merged["binds.add"];
  if (entry.capabilities === undefined) {
    const added = addUnique(label?.capabilities, label?.["capabilities.add"], entry["capabilities.add"]);
    if (added !== undefined) merged.capabilities = collapseAll(added);
  }
  if (entry.binds === undefined) {
    const added = addUnique(label?.binds, label?.["binds.add"], entry["binds.add"]);
    if (added !== undefined) merged.binds = added;
  }
  const runtime = mergeRuntime(label?.runtime, entry.runtime);
  if (runtime !== undefined) merged.runtime = runtime;
  else delete merged.runtime;
  return merged as ImageEntry;
}

const EMPTY_MEANS_ABSENT = new Set(["cwd", "net", "pid", "ipc", "uts", "userns", "hostname"]);

function addUnique(...lists: (readonly string[] | undefined)[]): string[] | undefined {
  if (lists.every((l) => l === undefined)) return undefined;
  const out: string[] = [];
  for (const list of lists) for (const item of list ?? []) if (!out.includes(item)) out.push(item);
  return out;
}

/** `all` anywhere in a list assembled from label + `.add` means every capability. */
function collapseAll(list: string[]): string[] {
  const all = list.find((c) => capabilityKeyword(c) === "all");
  return all !== undefined && list.length > 1 ? [all] : list;
}

/** Per-field merge of `runtime` (YAML over label), `bindNS` entry by entry. */
function mergeRuntime(
  label: RuntimeEntry | undefined,
  yaml: RuntimeEntry | undefined,
): RuntimeEntry | undefined {
  if (label === undefined) return yaml;
  if (yaml === undefined) return label;
  const bindNS =
    label.bindNS || yaml.bindNS ? { ...label.bindNS, ...withoutUndefined(yaml.bindNS ?? {}) } : undefined;
  return {
    ...label,
    ...withoutUndefined(yaml),
    ...(bindNS ? { bindNS } : {}),
  };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
