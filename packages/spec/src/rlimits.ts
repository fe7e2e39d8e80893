/**
 * `rlimits` entries: `name,soft,hard` (linuxkit-reference.md §3.6). The name is upper-cased and
 * gets an `RLIMIT_` prefix if it lacks one; soft and hard are decimal uint64 values or `unlimited`.
 */
import { closestMatch } from "./did-you-mean.js";
import { fail, ok, type Parsed } from "./result.js";

/** The value `unlimited` stands for: 2^64 − 1 (RLIM_INFINITY). */
export const RLIM_INFINITY = 18_446_744_073_709_551_615n;

/** The rlimits LinuxKit accepts. */
export const RLIMIT_NAMES: readonly string[] = [
  "RLIMIT_CPU",
  "RLIMIT_FSIZE",
  "RLIMIT_DATA",
  "RLIMIT_STACK",
  "RLIMIT_CORE",
  "RLIMIT_RSS",
  "RLIMIT_NPROC",
  "RLIMIT_NOFILE",
  "RLIMIT_MEMLOCK",
  "RLIMIT_AS",
  "RLIMIT_LOCKS",
  "RLIMIT_SIGPENDING",
  "RLIMIT_MSGQUEUE",
  "RLIMIT_NICE",
  "RLIMIT_RTPRIO",
  "RLIMIT_RTTIME",
];

/** An OCI `POSIXRlimit`; the limits are bigints because uint64 does not fit a JS number. */
export interface Rlimit {
  readonly type: string;
  readonly hard: bigint;
  readonly soft: bigint;
}

/** Parses `nofile,1024,unlimited` into `{type: "RLIMIT_NOFILE", soft: 1024n, hard: 2^64-1}`. */
export function parseRlimit(text: string): Parsed<Rlimit> {
  const parts = splitN(text, ",", 3);
  if (parts.length !== 3) {
    return fail(`cannot parse rlimit "${text}"; expected name,soft,hard such as "nofile,1024,4096"`);
  }
  const [rawName = "", rawSoft = "", rawHard = ""] = parts;
  let name = rawName.trim().toUpperCase();
  if (!name.startsWith("RLIMIT_")) name = `RLIMIT_${name}`;
  if (!RLIMIT_NAMES.includes(name)) {
    // Compare without the shared RLIMIT_ prefix, which would make every name look close.
    const match = closestMatch(
      name.slice(7),
      RLIMIT_NAMES.map((n) => n.slice(7)),
    );
    const hint = match
      ? `did you mean "${match.toLowerCase()}"?`
      : "expected one of cpu, fsize, data, stack, core, rss, nproc, nofile, memlock, as, locks, sigpending, msgqueue, nice, rtprio, rttime";
    return fail(`unknown rlimit "${rawName.trim()}" in "${text}"; ${hint}`);
  }
  const soft = parseLimit(rawSoft.trim());
  if (soft === undefined)
    return fail(
      `cannot parse soft limit "${rawSoft.trim()}" of rlimit "${text}"; expected a whole number or "unlimited"`,
    );
  const hard = parseLimit(rawHard.trim());
  if (hard === undefined)
    return fail(
      `cannot parse hard limit "${rawHard.trim()}" of rlimit "${text}"; expected a whole number or "unlimited"`,
    );
  return ok({ type: name, hard, soft });
}

function parseLimit(text: string): bigint | undefined {
  if (text.toLowerCase() === "unlimited") return RLIM_INFINITY;
  if (!/^[0-9]+$/.test(text)) return undefined;
  const value = BigInt(text);
  return value <= RLIM_INFINITY ? value : undefined;
}

/** Go's strings.SplitN: at most `n` parts, the last one keeps the rest. */
export function splitN(text: string, separator: string, n: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (parts.length < n - 1) {
    const i = rest.indexOf(separator);
    if (i < 0) break;
    parts.push(rest.slice(0, i));
    rest = rest.slice(i + separator.length);
  }
  parts.push(rest);
  return parts;
}
