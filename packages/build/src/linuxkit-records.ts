/**
 * The PAX records LinuxKit puts on every tar member it writes (linuxkit-reference.md §3.11):
 * `LINUXKIT.source` (the canonical image reference, or `linuxkit.files`, `linuxkit.volumes`,
 * `LINUXKIT.apkinit`, `empty`) and `LINUXKIT.location` (`kernel`, `init[i]`, `onboot[i]`, …).
 * `ocikit inspect` groups a tar's entries by them.
 */
import type { FsEntry } from "@ocikit/fs";

export const SOURCE_RECORD = "LINUXKIT.source";
export const LOCATION_RECORD = "LINUXKIT.location";

/** Where a section's entries come from. */
export interface Provenance {
  readonly source: string;
  readonly location: string;
}

/** The entry with the two records added (other records kept). */
export function withProvenance(entry: FsEntry, provenance: Provenance): FsEntry {
  return {
    ...entry,
    pax: { ...entry.pax, [SOURCE_RECORD]: provenance.source, [LOCATION_RECORD]: provenance.location },
    body: () => entry.body(),
  };
}

/** Adds the records to every entry of a stream. */
export async function* stampProvenance(
  entries: AsyncIterable<FsEntry>,
  provenance: Provenance,
): AsyncIterable<FsEntry> {
  for await (const entry of entries) yield withProvenance(entry, provenance);
}
