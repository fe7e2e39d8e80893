/**
 * Joliet identifiers (Joliet specification §3.2, §3.3): the real name in UCS-2 big-endian, at most 64
 * code units, without the characters Joliet forbids (U+0000–U+001F, `*`, `/`, `:`, `;`, `?`, `\`),
 * which become `_`. Characters beyond the BMP are kept as UTF-16 surrogate pairs (what Windows and
 * Linux read), never split. Longer names are cut, keeping an extension of up to 16 code units after
 * the last dot; when two names of a directory end up the same, the later one (in code unit order of
 * the real names) gets `~1`, `~2`, … before its extension. Files carry no `;1` version: Linux and
 * Windows show Joliet names as written, and the 64 units are left for the name.
 *
 * Records are sorted by code units (the Joliet tree mirrors the real one; readers do not binary-search).
 */
import { compareCodeUnits } from "./iso-identifier.js";

export const JOLIET_NAME_MAX = 64;
const EXTENSION_KEPT_MAX = 16;
/** Joliet §3.3 forbids these besides U+0000–U+001F. */
const FORBIDDEN = "*/:;?\\";

/** Joliet identifiers (as JS strings of UCS-2 code units) for the children of one directory. */
export function jolietIdentifiers(names: readonly string[]): string[] {
  const taken = new Set<string>();
  const order = names.map((_, i) => i).sort((a, b) => compareCodeUnits(names[a]!, names[b]!));
  const out: string[] = new Array(names.length);
  for (const i of order) {
    const clean = Array.from(names[i]!, (c) =>
      c.charCodeAt(0) < 0x20 || FORBIDDEN.includes(c) ? "_" : c,
    ).join("");
    const dot = clean.lastIndexOf(".");
    const extension = dot > 0 && clean.length - dot <= EXTENSION_KEPT_MAX + 1 ? clean.slice(dot) : "";
    const stem = extension === "" ? clean : clean.slice(0, dot);
    let candidate = fit(stem, extension, "");
    for (let n = 1; taken.has(candidate); n++) candidate = fit(stem, extension, `~${n}`);
    taken.add(candidate);
    out[i] = candidate;
  }
  return out;
}

/** `stem + suffix + extension`, the stem cut (between code points) so that it fits 64 units. */
function fit(stem: string, extension: string, suffix: string): string {
  const room = JOLIET_NAME_MAX - extension.length - suffix.length;
  if (stem.length + extension.length + suffix.length <= JOLIET_NAME_MAX) return stem + suffix + extension;
  let cut = room;
  const last = stem.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--; // do not split a surrogate pair
  return stem.slice(0, cut) + suffix + extension;
}

/** UCS-2 big-endian bytes of an identifier. */
export function ucs2Bytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    bytes[2 * i] = unit >> 8;
    bytes[2 * i + 1] = unit & 0xff;
  }
  return bytes;
}
