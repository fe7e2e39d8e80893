/**
 * 8.3 short names (fatgen103 §6.1) and the aliases a long name gets (§7.4, "basis-name generation"
 * and "numeric-tail generation"). A name that already is an upper-case 8.3 name is stored as is,
 * with no long-name entries. Any other name gets long-name entries plus a short alias: its upper-case
 * form when that is a valid 8.3 name with nothing lost, else a basis name (invalid characters become
 * "_", spaces and leading dots go, 8 characters before the first dot, 3 after the last) with the
 * smallest numeric tail "~N" no other name in the directory uses. Aliases are assigned in the order
 * the names are given (sorted, by the planner), so they are deterministic.
 * Left out: the hash-based aliases Windows makes after ~4 (we count on up to ~999999), OEM code pages
 * (non-ASCII characters become "_"), and Windows NT's lower-case flags in DIR_NTRes.
 */
import { IsoError } from "./errors.js";

/** A–Z, 0–9 and the punctuation §6.1 allows in a short name (bytes above 0x7F are left out). */
const SHORT_CHAR = /^[A-Z0-9$%'\-_@~`!(){}^#&]$/;
const EXACT_SHORT_NAME = /^[A-Z0-9$%'\-_@~`!(){}^#&]{1,8}(\.[A-Z0-9$%'\-_@~`!(){}^#&]{1,3})?$/;

/** The short name one directory entry gets. */
export interface FatShortName {
  /** DIR_Name: 11 characters, "BOOTX64 EFI". */
  readonly shortName: string;
  /** Whether the entry needs long-name entries (its name is not exactly its short name). */
  readonly hasLongName: boolean;
}

/** Whether `name` can be stored as a short name with nothing lost: upper case, 8.3, valid characters. */
export function isExactShortName(name: string): boolean {
  return EXACT_SHORT_NAME.test(name);
}

/** The DIR_Name form of a dotted 8.3 name: "BOOTX64.EFI" → "BOOTX64 EFI", "EFI" → "EFI        ". */
export function shortNameField(name: string): string {
  const dot = name.indexOf(".");
  const base = dot < 0 ? name : name.slice(0, dot);
  const extension = dot < 0 ? "" : name.slice(dot + 1);
  return base.padEnd(8, " ") + extension.padEnd(3, " ");
}

/** The dotted form of a DIR_Name: "BOOTX64 EFI" → "BOOTX64.EFI". */
export function displayShortName(field: string): string {
  const base = field.slice(0, 8).trimEnd();
  const extension = field.slice(8, 11).trimEnd();
  return extension === "" ? base : `${base}.${extension}`;
}

/**
 * Short names for the entries of one directory, in the order of `names` (which must be distinct
 * ignoring case). Exact 8.3 names are reserved first, so an alias never takes one.
 * @throws {IsoError} ISO_BAD_TREE when a basis name runs out of numeric tails (a million entries)
 */
export function assignShortNames(names: readonly string[], directoryPath = "."): FatShortName[] {
  const taken = new Set<string>();
  for (const name of names) if (isExactShortName(name)) taken.add(shortNameField(name));
  return names.map((name) => {
    if (isExactShortName(name)) return { shortName: shortNameField(name), hasLongName: false };
    const { base, extension, isLossless } = basisName(name);
    const plain = base.padEnd(8, " ") + extension.padEnd(3, " ");
    if (isLossless && !taken.has(plain)) {
      taken.add(plain);
      return { shortName: plain, hasLongName: true };
    }
    for (let n = 1; n <= 999_999; n++) {
      const tail = `~${n}`;
      const candidate = (base.slice(0, 8 - tail.length) + tail).padEnd(8, " ") + extension.padEnd(3, " ");
      if (!taken.has(candidate)) {
        taken.add(candidate);
        return { shortName: candidate, hasLongName: true };
      }
    }
    throw new IsoError(
      "ISO_BAD_TREE",
      `${directoryPath}: no free short name for ${JSON.stringify(name)} (basis ${base}, tails ~1 to ~999999 taken); split the directory`,
    );
  });
}

/**
 * The basis name of §7.4: upper case; characters a short name cannot hold become "_" (lossy);
 * spaces are dropped and leading dots stripped; the base is what precedes the first remaining dot
 * (8 at most), the extension what follows the last one (3 at most). Lossless means the upper-case
 * name is exactly base.extension.
 */
function basisName(name: string): { base: string; extension: string; isLossless: boolean } {
  let isLossless = true;
  let converted = "";
  for (const char of name) {
    const upper = char.toUpperCase();
    if (char === " ") isLossless = false;
    else if (char === ".") converted += ".";
    else if (upper.length === 1 && SHORT_CHAR.test(upper)) converted += upper;
    else {
      converted += "_";
      isLossless = false;
    }
  }
  const stripped = converted.replace(/^\.+/, "");
  if (stripped.length !== converted.length) isLossless = false;
  const firstDot = stripped.indexOf(".");
  const lastDot = stripped.lastIndexOf(".");
  const primary = firstDot < 0 ? stripped : stripped.slice(0, firstDot);
  const suffix = lastDot < 0 ? "" : stripped.slice(lastDot + 1);
  const base = (primary === "" ? "_" : primary).slice(0, 8);
  const extension = suffix.slice(0, 3);
  const dotted = extension === "" ? base : `${base}.${extension}`;
  return { base, extension, isLossless: isLossless && dotted === stripped && isExactShortName(dotted) };
}
