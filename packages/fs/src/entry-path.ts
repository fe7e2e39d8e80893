/**
 * Path normalisation for entries read from untrusted archives: every name becomes a clean relative
 * path inside the image, whatever it was (`/etc/x`, `./etc/x`, `etc//x/`, `../../etc/x`, `a/../../b`).
 * `..` cannot climb above the image root: it stops there, as if the root were `/` (the way a path
 * resolves inside a chroot). The root itself is `.`.
 */

/** Normalises an entry name (see module comment). Backslashes are ordinary characters, as in tar. */
export function normalizeEntryPath(name: string): string {
  const out: string[] = [];
  for (const segment of name.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") out.pop();
    else out.push(segment);
  }
  return out.length === 0 ? "." : out.join("/");
}

/** The parent of a normalised path (`.` for top-level names and for the root). */
export function parentPath(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "." : path.slice(0, slash);
}

/** The last segment of a normalised path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** Joins a normalised directory and a relative name, normalising the result. */
export function joinEntryPath(dir: string, name: string): string {
  return normalizeEntryPath(dir === "." ? name : `${dir}/${name}`);
}

/** Whether `path` is `ancestor` or below it (both normalised). */
export function isWithin(path: string, ancestor: string): boolean {
  return ancestor === "." || path === ancestor || path.startsWith(`${ancestor}/`);
}
