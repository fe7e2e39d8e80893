/**
 * Numeric ids for container names (linuxkit-reference.md §1.9): every `onboot`, then `onshutdown`,
 * then `services` entry gets the next id from 100. A `uid`, `gid`, `additionalGids` or file owner
 * given as a name uses that id (the same number serves as uid and gid).
 */
import type { IdValue } from "./schema.js";

/** The first id LinuxKit allocates. */
export const FIRST_CONTAINER_ID = 100;

/** Name → id. Names reused across sections keep the last id, as in LinuxKit. */
export type IdMap = ReadonlyMap<string, number>;

/** Allocates ids in LinuxKit's order. */
export function allocateIds(config: {
  readonly onboot?: readonly { readonly name: string }[];
  readonly onshutdown?: readonly { readonly name: string }[];
  readonly services?: readonly { readonly name: string }[];
}): IdMap {
  const ids = new Map<string, number>();
  let next = FIRST_CONTAINER_ID;
  for (const list of [config.onboot, config.onshutdown, config.services]) {
    for (const entry of list ?? []) ids.set(entry.name, next++);
  }
  return ids;
}

/**
 * The numeric value of an id: a number as is; `root` or the empty string is 0; another string is a
 * container name looked up in `ids` (undefined when there is no such container).
 */
export function resolveId(id: IdValue | undefined, ids: IdMap): number | undefined {
  if (id === undefined) return 0;
  if (typeof id === "number") return id;
  if (id === "" || id === "root") return 0;
  return ids.get(id);
}
