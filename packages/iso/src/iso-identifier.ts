/**
 * ISO 9660 file and directory identifiers (ECMA-119 §7.5, §7.6, §9.3) made from real names, as
 * interchange level 2 allows: d-characters (A–Z, 0–9, `_`), a file identifier `NAME.EXT;1` whose
 * name and extension take at most 30 characters together, a directory identifier of at most 31
 * characters. Rock Ridge's NM and Joliet carry the real names; these are what a reader without
 * either shows.
 *
 * Mangling: ASCII letters are upper-cased, every other character that is not a d-character becomes
 * `_` (one per code point); a file's extension is what follows its last dot (not a leading one), at
 * most 8 characters; the name is cut to fit. Names are given out in the order of the real names
 * (code unit order), so the result depends only on the directory's contents; a name already given
 * out gets a decimal suffix (1, 2, …) replacing its last characters. A directory `ABC` and a file
 * `ABC.;1` count as the same name, since Linux's default `map=normal` shows both as `abc`.
 *
 * Records are sorted by §9.3: by name, then by extension, each padded with spaces, then by version
 * (descending; always 1 here).
 *
 * Reading, `nameOfIsoIdentifier` gives the name a reader without Rock Ridge shows: the version
 * (`;1`) and a dot ending an empty extension dropped, the case kept (Linux's `map=normal` would also
 * lower-case it; xorriso does not).
 */
const FILE_NAME_AND_EXTENSION_MAX = 30;
const DIRECTORY_IDENTIFIER_MAX = 31;
const EXTENSION_MAX = 8;

/** One child of a directory, as the namer sees it. */
export interface NamedChild {
  readonly name: string;
  readonly isDirectory: boolean;
}

/**
 * ISO 9660 identifiers for the children of one directory, in the order given; `reserved` identifiers
 * (such as `RR_MOVED` in the root) are never given out.
 */
export function isoIdentifiers(children: readonly NamedChild[], reserved: readonly string[] = []): string[] {
  const taken = new Set(reserved.map((id) => keyOf(id)));
  const order = children
    .map((_, i) => i)
    .sort((a, b) => compareCodeUnits(children[a]!.name, children[b]!.name));
  const out: string[] = new Array(children.length);
  for (const i of order) {
    const child = children[i]!;
    const { stem, extension, max } = child.isDirectory ? directoryParts(child.name) : fileParts(child.name);
    let candidate = stem;
    for (let n = 1; taken.has(`${candidate}.${extension}`); n++) {
      const suffix = String(n);
      candidate = stem.slice(0, max - suffix.length) + suffix;
    }
    taken.add(`${candidate}.${extension}`);
    out[i] = child.isDirectory ? candidate : `${candidate}.${extension};1`;
  }
  return out;
}

function fileParts(name: string): { stem: string; extension: string; max: number } {
  const dot = name.lastIndexOf(".");
  const extension = dot > 0 ? dCharacters(name.slice(dot + 1)).slice(0, EXTENSION_MAX) : "";
  const max = FILE_NAME_AND_EXTENSION_MAX - extension.length;
  let stem = dCharacters(dot > 0 ? name.slice(0, dot) : name).slice(0, max);
  if (stem === "" && extension === "") stem = "_";
  return { stem, extension, max };
}

function directoryParts(name: string): { stem: string; extension: string; max: number } {
  return {
    stem: dCharacters(name).slice(0, DIRECTORY_IDENTIFIER_MAX) || "_",
    extension: "",
    max: DIRECTORY_IDENTIFIER_MAX,
  };
}

/** The name an identifier stands for without Rock Ridge: `HOSTS.;1` → `HOSTS`, `A.TXT;1` → `A.TXT`. */
export function nameOfIsoIdentifier(identifier: string): string {
  const semicolon = identifier.indexOf(";");
  const body = semicolon < 0 ? identifier : identifier.slice(0, semicolon);
  return body.endsWith(".") && body.length > 1 ? body.slice(0, -1) : body;
}

/** Upper-cases ASCII letters and replaces every other non-d-character (one per code point) by `_`. */
export function dCharacters(text: string): string {
  let out = "";
  for (const char of text) {
    const upper = char >= "a" && char <= "z" ? char.toUpperCase() : char;
    out += /^[A-Z0-9_]$/.test(upper) ? upper : "_";
  }
  return out;
}

/** The uniqueness key of an identifier: name and extension, version dropped. */
function keyOf(identifier: string): string {
  const { name, extension } = splitIdentifier(identifier);
  return `${name}.${extension}`;
}

function splitIdentifier(identifier: string): { name: string; extension: string; version: number } {
  const semicolon = identifier.indexOf(";");
  const body = semicolon < 0 ? identifier : identifier.slice(0, semicolon);
  const version = semicolon < 0 ? 0 : Number(identifier.slice(semicolon + 1));
  const dot = body.indexOf(".");
  return dot < 0
    ? { name: body, extension: "", version }
    : { name: body.slice(0, dot), extension: body.slice(dot + 1), version };
}

/** §9.3's order of identifiers in a directory. */
export function compareIsoIdentifiers(a: string, b: string): number {
  const x = splitIdentifier(a);
  const y = splitIdentifier(b);
  return comparePadded(x.name, y.name) || comparePadded(x.extension, y.extension) || y.version - x.version;
}

/** Compares two strings as if the shorter were padded with spaces (§9.3, §9.4). */
export function comparePadded(a: string, b: string): number {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = i < a.length ? a.charCodeAt(i) : 0x20;
    const y = i < b.length ? b.charCodeAt(i) : 0x20;
    if (x !== y) return x - y;
  }
  return 0;
}

/** Plain code unit order (the order names are given out in). */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
