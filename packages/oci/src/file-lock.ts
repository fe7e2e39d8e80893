/**
 * A lock file for short critical sections shared by several processes (updating a cache's
 * `index.json`): created with O_EXCL, holding the owner's pid; a lock whose owner is gone, or that is
 * older than `staleMs`, is taken over. Waiting is bounded.
 */
import { open, readFile, stat, unlink } from "node:fs/promises";
import { OciError } from "./errors.js";

export interface FileLockOptions {
  /** How long to wait for the lock; default 60 s. */
  readonly timeoutMs?: number;
  /** A lock older than this is considered abandoned; default 30 s (index updates take milliseconds). */
  readonly staleMs?: number;
}

/**
 * Runs `fn` while holding the lock file `path`.
 * @throws {OciError} OCI_CACHE_LOCKED when the lock cannot be had within the timeout
 */
export async function withFileLock<T>(
  path: string,
  fn: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const staleMs = options.staleMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let delay = 5;
  for (;;) {
    try {
      const handle = await open(path, "wx");
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      if (await isAbandoned(path, staleMs)) {
        // Another waiter may take it over at the same moment; unlink then retry the O_EXCL create,
        // which only one of us wins.
        await unlink(path).catch(() => undefined);
        continue;
      }
      if (Date.now() > deadline) {
        throw new OciError(
          "OCI_CACHE_LOCKED",
          `${path}: still locked by another ocikit process after ${timeoutMs / 1000} s; if none is running, delete the lock file`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay));
      delay = Math.min(delay * 2, 200);
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(path).catch(() => undefined);
  }
}

async function isAbandoned(path: string, staleMs: number): Promise<boolean> {
  try {
    const [text, info] = await Promise.all([readFile(path, "utf8"), stat(path)]);
    const pid = Number.parseInt(text, 10);
    if (Number.isSafeInteger(pid) && pid > 0 && !isAlive(pid)) return true;
    return Date.now() - info.mtimeMs > staleMs;
  } catch {
    // The lock vanished (or is half-written) while we looked: not abandoned, just retry.
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
