/**
 * Finds where a path such as `services[2].capabilities[0]` is written in a parsed YAML document, so
 * that every diagnostic can say `file:line:col`. Positions come from the `yaml` library's node ranges
 * and its `LineCounter`.
 */
import { type Document, isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from "yaml";
import type { SourcePos } from "./errors.js";

/** A step into a YAML value: a mapping key or a sequence index. */
export type PathSegment = string | number;
export type Path = readonly PathSegment[];

/** Where to point: at a mapping key (`key`) or at its value (`value`, the default). */
export interface LocateOptions {
  readonly at?: "key" | "value";
}

/** Locates paths in one YAML file. */
export class YamlLocator {
  readonly file: string;
  readonly #doc: Document | undefined;
  readonly #lines: LineCounter;
  readonly #text: string;

  constructor(file: string, text: string, doc: Document | undefined, lines: LineCounter) {
    this.file = file;
    this.#doc = doc;
    this.#lines = lines;
    this.#text = text;
  }

  /** The position of an offset in the text. */
  posOfOffset(offset: number): SourcePos {
    const { line, col } = this.#lines.linePos(offset);
    return { file: this.file, line, col };
  }

  /**
   * The position of `path`. A path that does not exist (a missing key) resolves to the deepest
   * existing node on it, which is where the missing key belongs.
   */
  locate(path: Path, options: LocateOptions = {}): SourcePos {
    const found = this.#walk(path);
    const node =
      options.at === "key" && found.complete ? (found.key ?? found.node) : (found.node ?? found.key);
    const offset = node?.range?.[0] ?? 0;
    return this.posOfOffset(offset);
  }

  /** The source text of the value at `path` (as written, e.g. `0644` for a number), if it exists. */
  sourceText(path: Path): string | undefined {
    const found = this.#walk(path);
    if (!found.complete || !found.node?.range) return undefined;
    return this.#text.slice(found.node.range[0], found.node.range[1]);
  }

  #walk(path: Path): { node: Node | undefined; key: Node | undefined; complete: boolean } {
    let node: Node | undefined = (this.#doc?.contents ?? undefined) as Node | undefined;
    let key: Node | undefined;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find(
          (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment),
        );
        if (!pair) return { node, key: undefined, complete: false };
        key = pair.key as Node;
        // A key written with no value (`onboot:`) has a null value node, or none at all.
        node = (pair.value ?? undefined) as Node | undefined;
        if (node === undefined || isEmptyScalar(node)) return { node: key, key, complete: true };
      } else if (isSeq(node) && typeof segment === "number" && node.items[segment] !== undefined) {
        key = undefined;
        node = node.items[segment] as Node;
      } else {
        return { node, key: undefined, complete: false };
      }
    }
    return { node, key, complete: true };
  }
}

/** `services[2].capabilities[0]` for a path, `the top level` for the empty one. */
export function formatPath(path: Path): string {
  if (path.length === 0) return "the top level";
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? segment : `.${segment}`;
  }
  return out;
}

/** A value that is not written at all (`key:` with nothing after it): point at its key instead. */
function isEmptyScalar(node: Node): boolean {
  return isScalar(node) && node.value === null && (!node.range || node.range[0] === node.range[1]);
}
