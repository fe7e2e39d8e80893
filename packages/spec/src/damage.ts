/**
 * What pruning a file's invalid parts removed (parse-file.ts), so that the semantic checks stay quiet
 * about it: one mistake gives one message, not a cascade of follow-on complaints.
 */
import type { Path } from "./yaml-locator.js";

/**
 * What pruning removed: values replaced or deleted (`pruned`, by path) and mappings that lost a key
 * (`damaged`). Later checks stay quiet about them, so one mistake yields one message.
 */
export class Damage {
  readonly #pruned = new Set<string>();
  readonly #damaged = new Set<string>();

  prune(path: Path): void {
    this.#pruned.add(pathKey(path));
  }

  damage(path: Path): void {
    this.#damaged.add(pathKey(path));
  }

  /** Whether `path` or one of its ancestors was pruned. */
  isPruned(path: Path): boolean {
    for (let i = path.length; i >= 1; i--) if (this.#pruned.has(pathKey(path.slice(0, i)))) return true;
    return false;
  }

  /** Whether the mapping at `path` lost a key (so a "missing …" complaint about it may be a follow-on). */
  isDamaged(path: Path): boolean {
    return this.#damaged.has(pathKey(path)) || this.isPruned(path);
  }
}

function pathKey(path: Path): string {
  return JSON.stringify(path);
}
