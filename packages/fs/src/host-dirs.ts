/**
 * Creating directories on the host (for caches and outputs, never for image contents). Node 20's
 * `mkdir(path, { recursive: true })` never returns for a path under a filesystem that answers ENOENT
 * to a mkdir of an existing parent's child, such as `/proc/x` (it retries the parent forever); this
 * walks up at most once per path component and reports the error.
 */
import { mkdir, stat } from "node:fs/promises";
import { dirname } from "node:path";

/** Creates `dir` and its missing parents; resolves when it exists. Throws the fs error otherwise. */
export async function ensureDir(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") {
      if ((await stat(dir)).isDirectory()) return;
      throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${dir}'`), {
        code: "ENOTDIR",
        syscall: "mkdir",
        path: dir,
      });
    }
    const parent = dirname(dir);
    if (code !== "ENOENT" || parent === dir) throw error;
    await ensureDir(parent);
    await mkdir(dir).catch(async (again: NodeJS.ErrnoException) => {
      if (again.code !== "EEXIST" || !(await stat(dir)).isDirectory()) throw again;
    });
  }
}
