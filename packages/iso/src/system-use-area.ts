/**
 * Packing a record's system use entries (SUSP 1.12 §5.1): as many as fit go in the directory
 * record itself; when they do not all fit, the record ends with a CE entry pointing at a continuation
 * area, which holds the next ones and, if needed, another CE. A record is at most 255 bytes (ECMA-119
 * §9.1.1) and we keep it even, so its area holds `254 - base` bytes; a continuation area never
 * crosses a sector (Linux's fs/isofs/rock.c refuses one that does) and holds at most 2048 bytes.
 * Entries keep their order: NM and SL pieces stay in sequence across areas. Reading
 * (`gatherSystemUseEntries`) follows the CE chain back, bounded as Linux bounds it.
 */
import { assert } from "@ocikit/errors";
import { DIRECTORY_RECORD_MAX } from "./directory-record.js";
import { IsoError } from "./errors.js";
import {
  CE_LENGTH,
  type SystemUseEntry,
  systemUseEntriesFromBytes,
  systemUseEntryLength,
} from "./system-use-entry.js";
import { SECTOR_SIZE } from "./volume-descriptor.js";

/** A record's entries split into the record's own area and the continuation areas that follow it. */
export interface SystemUseSplit {
  /** The entries in the record (a CE to the first continuation area is appended by the planner). */
  readonly inline: readonly SystemUseEntry[];
  /** Each continuation area's entries; all but the last get a CE to the next one appended. */
  readonly continuations: readonly (readonly SystemUseEntry[])[];
}

/** How many bytes of system use area a record whose fixed part and identifier take `base` bytes has. */
export function recordSystemUseCapacity(base: number): number {
  return DIRECTORY_RECORD_MAX - 1 - base;
}

/** Splits `entries` between a record with `capacity` bytes of area and continuation areas. */
export function splitSystemUse(entries: readonly SystemUseEntry[], capacity: number): SystemUseSplit {
  const lengths = entries.map(systemUseEntryLength);
  const areas: SystemUseEntry[][] = [];
  let room = capacity;
  let next = 0;
  for (;;) {
    const restBytes = lengths.slice(next).reduce((sum, n) => sum + n, 0);
    if (restBytes <= room) {
      areas.push(entries.slice(next));
      break;
    }
    const area: SystemUseEntry[] = [];
    let used = 0;
    while (next < entries.length && used + lengths[next]! + CE_LENGTH <= room) {
      area.push(entries[next]!);
      used += lengths[next]!;
      next++;
    }
    assert(area.length > 0 || room < SECTOR_SIZE, "a system use entry does not fit a continuation area");
    areas.push(area);
    room = SECTOR_SIZE;
  }
  return { inline: areas[0] ?? [], continuations: areas.slice(1) };
}

/** The size of a continuation area holding `entries`, plus a CE when another area follows. */
export function continuationAreaLength(entries: readonly SystemUseEntry[], hasNext: boolean): number {
  return entries.reduce((sum, e) => sum + systemUseEntryLength(e), 0) + (hasNext ? CE_LENGTH : 0);
}

/**
 * Places continuation areas one after the other from sector `firstLba`, starting a new sector when an
 * area does not fit the rest of the current one. Returns each area's place and the sectors used.
 */
export function placeContinuationAreas(
  lengths: readonly number[],
  firstLba: number,
): { readonly places: readonly { lba: number; offset: number }[]; readonly sectors: number } {
  const places: { lba: number; offset: number }[] = [];
  let sector = 0;
  let offset = 0;
  for (const length of lengths) {
    assert(length <= SECTOR_SIZE, `continuation area of ${length} bytes`);
    if (offset + length > SECTOR_SIZE) {
      sector++;
      offset = 0;
    }
    places.push({ lba: firstLba + sector, offset });
    offset += length;
  }
  return { places, sectors: lengths.length === 0 ? 0 : sector + 1 };
}

/** Where a CE entry says the next continuation area is. */
export interface ContinuationAreaPlace {
  readonly lba: number;
  readonly offset: number;
  readonly length: number;
}

/** The most continuation areas one record may chain (Linux's RR_MAX_CE_ENTRIES). */
export const MAX_CONTINUATION_AREAS = 32;

/**
 * A record's entries, its own area's then those of each continuation area its CE chain leads to (the
 * CE entries themselves left out), read with `readArea`.
 * @throws {IsoError} ISO_BAD_IMAGE when the chain is longer than MAX_CONTINUATION_AREAS (a loop)
 */
export async function gatherSystemUseEntries(
  area: Uint8Array,
  readArea: (place: ContinuationAreaPlace) => Promise<Uint8Array>,
): Promise<SystemUseEntry[]> {
  const gathered: SystemUseEntry[] = [];
  let current = area;
  for (let areas = 0; ; areas++) {
    let next: ContinuationAreaPlace | undefined;
    for (const entry of systemUseEntriesFromBytes(current)) {
      if (entry.signature === "CE") next = entry;
      else gathered.push(entry);
    }
    if (next === undefined) return gathered;
    if (areas === MAX_CONTINUATION_AREAS) {
      throw new IsoError(
        "ISO_BAD_IMAGE",
        `continuation area at LBA ${next.lba} offset ${next.offset}: a record chains more than ${MAX_CONTINUATION_AREAS} continuation areas; the CE entries loop or the image is malformed`,
      );
    }
    current = await readArea(next);
  }
}
