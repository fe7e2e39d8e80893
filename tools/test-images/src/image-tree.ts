/**
 * Staging trees: the directory a layer is archived from (test-registry's directory layers: GNU tar,
 * sorted names, owner root, fixed mtimes). What is put here decides every byte of the layer, so each
 * helper sets modes explicitly (no umask, no git checkout mode leaks in): directories 0755 unless
 * told, repository data files 0755 when executable in git and 0644 otherwise, files from Debian
 * packages with the package's mode. Symlinks are copied as symlinks, with what they point to.
 */
import { chmod, copyFile, lstat, mkdir, readdir, readFile, readlink, stat, symlink } from "node:fs/promises";
import { dirname, join, normalize, posix } from "node:path";
import { readElfDependencies } from "./elf.js";
import { TestImagesError } from "./errors.js";
import { runCommand } from "./run-command.js";

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/** Creates `path` (relative; `.` is `root` itself) under `root` and each missing parent, with `mode` (parents 0755). */
export async function makeDir(root: string, path: string, mode = 0o755): Promise<void> {
  await mkdir(root, { recursive: true });
  const parts = normalize(path)
    .split("/")
    .filter((part) => part && part !== ".");
  if (parts.length === 0) await chmod(root, mode);
  for (let i = 1; i <= parts.length; i++) {
    const dir = join(root, ...parts.slice(0, i));
    if (!(await exists(dir))) {
      await mkdir(dir);
      await chmod(dir, i === parts.length ? mode : 0o755);
    } else if (i === parts.length) await chmod(dir, mode);
  }
}

/** Writes the repository data directory `source` into `root`, normalising modes as described above. */
export async function copyDataTree(source: string, root: string): Promise<void> {
  for (const entry of await readdir(source, { withFileTypes: true })) {
    const from = join(source, entry.name);
    if (entry.isDirectory()) {
      await makeDir(root, entry.name);
      await copyDataTree(from, join(root, entry.name));
    } else if (entry.isFile()) {
      const executable = ((await stat(from)).mode & 0o100) !== 0;
      await copyFile(from, join(root, entry.name));
      await chmod(join(root, entry.name), executable ? 0o755 : 0o644);
    } else {
      throw new TestImagesError(
        "TEST_IMAGES_PACKAGE",
        `${from}: only files and directories belong in rootfs/`,
      );
    }
  }
}

/** `target` of a symlink at `linkPath` (both relative to a root), as a path relative to that root. */
function resolveLinkTarget(linkPath: string, target: string): string {
  const absolute = target.startsWith("/") ? target : posix.join("/", posix.dirname(linkPath), target);
  return posix.normalize(absolute).replace(/^\/+/, "");
}

/** The first of `roots` holding `path` (lstat), if any. */
async function findIn(roots: readonly string[], path: string): Promise<string | undefined> {
  for (const root of roots) {
    if (await exists(join(root, path))) return root;
  }
  return undefined;
}

/**
 * Copies `path` (relative) from the first of `roots` holding it into `dest`, keeping its mode; a
 * symlink is copied as one, then what it points to, looked up in `roots` again.
 * @throws {TestImagesError} `TEST_IMAGES_PACKAGE` when no root holds it
 */
export async function copyFromPackages(roots: readonly string[], path: string, dest: string): Promise<void> {
  const root = await findIn(roots, path);
  if (root === undefined)
    throw new TestImagesError(
      "TEST_IMAGES_PACKAGE",
      `${path}: in none of the unpacked packages (${roots.join(", ")}); add the package that holds it`,
    );
  const info = await lstat(join(root, path));
  await makeDir(dest, dirname(path));
  const to = join(dest, path);
  if (info.isSymbolicLink()) {
    const target = await readlink(join(root, path));
    if (!(await exists(to))) await symlink(target, to);
    await copyFromPackages(roots, resolveLinkTarget(path, target), dest);
  } else if (info.isFile()) {
    await copyFile(join(root, path), to);
    await chmod(to, info.mode & 0o7777);
  } else {
    throw new TestImagesError("TEST_IMAGES_PACKAGE", `${join(root, path)}: not a file or symlink`);
  }
}

/** Library directories searched for a soname, as ld.so does on Debian (multiarch first). */
function libraryDirs(triplet: string): string[] {
  return [`lib/${triplet}`, `usr/lib/${triplet}`, "lib", "usr/lib", "lib64", "usr/lib64"];
}

/**
 * Copies into `dest` the interpreter and every shared library that the binaries `binaries` (paths
 * relative to `dest`, already there) need, directly or through other libraries, from `roots`.
 * @throws {TestImagesError} `TEST_IMAGES_DEPENDENCY_MISSING` naming the soname and who needs it, `TEST_IMAGES_BAD_ELF`
 */
export async function addSharedLibraries(
  dest: string,
  binaries: readonly string[],
  roots: readonly string[],
  triplet: string,
): Promise<void> {
  const queue = [...binaries];
  const done = new Set<string>();
  while (queue.length > 0) {
    const path = queue.shift() ?? "";
    if (done.has(path)) continue;
    done.add(path);
    // Follow symlinks inside dest to the file itself (copyFromPackages copied their targets).
    let file = path;
    for (let hops = 0; (await lstat(join(dest, file))).isSymbolicLink() && hops < 16; hops++)
      file = resolveLinkTarget(file, await readlink(join(dest, file)));
    const deps = readElfDependencies(await readFile(join(dest, file)), file);
    const wanted = deps.interpreter ? [deps.interpreter.replace(/^\/+/, "")] : [];
    for (const soname of deps.needed) {
      let found: string | undefined;
      for (const dir of libraryDirs(triplet)) {
        if ((await findIn(roots, `${dir}/${soname}`)) !== undefined) {
          found = `${dir}/${soname}`;
          break;
        }
      }
      if (found === undefined)
        throw new TestImagesError(
          "TEST_IMAGES_DEPENDENCY_MISSING",
          `${path} needs ${soname}, which none of the image's packages holds; add the package that does`,
        );
      wanted.push(found);
    }
    for (const library of wanted) {
      if (done.has(library)) continue;
      await copyFromPackages(roots, library, dest);
      queue.push(library);
    }
  }
}

/**
 * Adds busybox's applet symlinks (`bin/sh` → `/bin/busybox`…) for the busybox at `dest/bin/busybox`,
 * as `busybox --install -s` would, by running it (so only for the host's architecture). Leaves out
 * `linuxrc` (an init at the root) and paths that exist already.
 */
export async function addBusyboxApplets(dest: string, signal?: AbortSignal): Promise<void> {
  const { stdout } = await runCommand(join(dest, "bin/busybox"), ["--list-full"], { signal });
  for (const applet of stdout.split("\n").filter(Boolean).sort()) {
    if (applet === "linuxrc" || applet === "bin/busybox") continue;
    if (await exists(join(dest, applet))) continue;
    await makeDir(dest, dirname(applet));
    await symlink("/bin/busybox", join(dest, applet));
  }
}
