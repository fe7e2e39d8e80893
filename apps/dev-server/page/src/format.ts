/**
 * How the page writes sizes, durations, clock times, file modes and digests. Pure functions (no DOM),
 * tested in test/page-format.test.ts.
 */

const BYTE_UNITS = ["KiB", "MiB", "GiB", "TiB"] as const;

/** A byte count for people: "512 B", "1.5 KiB", "12.3 MiB" (binary units, as `ls -lh`). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return "?";
  if (Math.abs(bytes) < 1024) return `${Math.round(bytes)} B`;
  let value = bytes;
  let unit: string = "B";
  for (const next of BYTE_UNITS) {
    if (Math.abs(value) < 1024) break;
    value /= 1024;
    unit = next;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${unit}`;
}

/** A duration for people: "850 ms", "2.1 s", "1 min 05 s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "?";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, "0")} s`;
}

/** The local wall-clock time of `date` as "HH:MM:SS". */
export function formatClock(date: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

const TYPE_LETTERS: Readonly<Record<string, string>> = {
  file: "-",
  hardlink: "-",
  dir: "d",
  symlink: "l",
  char: "c",
  block: "b",
  fifo: "p",
};

/** `ls -l`'s mode column for an entry's type and permission bits: "drwxr-xr-x", "-rwsr-xr-x". */
export function formatMode(type: string, mode: number): string {
  const bits = "rwxrwxrwx".split("").map((letter, i) => (mode & (0o400 >> i) ? letter : "-"));
  // setuid, setgid and sticky replace the x of their class (lower case when x is also set).
  const special: ReadonlyArray<[number, number, string]> = [
    [0o4000, 2, "s"],
    [0o2000, 5, "s"],
    [0o1000, 8, "t"],
  ];
  for (const [flag, at, letter] of special) {
    if (mode & flag) bits[at] = bits[at] === "x" ? letter : letter.toUpperCase();
  }
  return `${TYPE_LETTERS[type] ?? "?"}${bits.join("")}`;
}

/** A digest shortened for display: "sha256:0123456789ab". */
export function shortDigest(digest: string): string {
  const colon = digest.indexOf(":");
  return colon < 0 ? digest.slice(0, 12) : digest.slice(0, colon + 13);
}
