/**
 * Checks that a boot benchmark left no qemu running: a qemu of ours is one whose command line
 * names a path under the benchmark's own temporary directory (nobody else knows it), found with
 * `pgrep -f` and killed by pid.
 */
import { execFile } from "node:child_process";
import { setTimeout as delay } from "node:timers/promises";
import { promisify } from "node:util";

const run = promisify(execFile);
const QEMU = "qemu-system-x86_64";

/** The pids of qemus still running on files under `scratch`. */
async function qemusLeft(scratch: string): Promise<number[]> {
  const pattern = `${QEMU}.*${scratch.replaceAll(".", "\\.")}`;
  const found = await run("pgrep", ["-f", "--", pattern]).catch((error: { code?: number }) => {
    // pgrep exits 1 when nothing matches.
    if (error.code === 1) return { stdout: "" };
    throw error;
  });
  return found.stdout.split("\n").filter(Boolean).map(Number);
}

/** SIGKILLs each of `pids` still there (by pid: only qemus this benchmark started). */
function killQemus(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch (error) {
      // ESRCH: it ended meanwhile.
      if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
    }
  }
}

/** SIGKILLs every qemu still running on files under `scratch`, without waiting or complaining. */
export async function killQemusLeft(scratch: string): Promise<void> {
  killQemus(await qemusLeft(scratch));
}

/**
 * Waits (a killed qemu takes a moment to go) until no qemu of ours is left.
 * @throws {Error} naming the ones still running after a few seconds, which are then killed
 */
export async function checkNoQemuLeft(scratch: string, after: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const pids = await qemusLeft(scratch);
    if (pids.length === 0) return;
    if (attempt >= 30) {
      killQemus(pids);
      throw new Error(
        `${after}: qemu still running (pid ${pids.join(", ")}), killed; ending the run should end it`,
      );
    }
    await delay(100);
  }
}
