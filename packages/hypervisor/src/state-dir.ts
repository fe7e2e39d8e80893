/**
 * The state directory of a run (`--state`, default `PREFIX-state`, reference §6.1): where qemu's pid
 * file, its QMP socket, the console log, the persisted MAC address, the `--data` ISO, the disks
 * created by size and the per-boot copy of the UEFI variables live. Preparing it creates it and
 * refuses to share it with a VM still running from it; a pid file left by a VM that is gone is fine.
 */
import { mkdir, mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { HypervisorError } from "./errors.js";
import { MAC_ADDR_FILE } from "./mac-address.js";

/** Where a run keeps its files; all paths absolute. */
export interface StatePaths {
  readonly dir: string;
  /** `<state>/qemu.pid`, qemu's `-pidfile` (LinuxKit's name). */
  readonly pidFile: string;
  /** `<state>/qmp.sock`, or `qmp.sock` in {@link StatePaths.qmpSocketDir} when that path is too long. */
  readonly qmpSocket: string;
  /** A temporary directory made for the QMP socket, to remove after the VM ends; absent when unused. */
  readonly qmpSocketDir?: string;
  /** `<state>/console.log`. */
  readonly consoleLog: string;
  /** `<state>/mac-addr` (see `loadOrCreateMac`). */
  readonly macAddr: string;
  /** `<state>/data.iso`, written from `--data` / `--data-file` (see `writeMetadataIso`). */
  readonly dataIso: string;
  /** `<state>/efi-vars.fd`, a fresh copy of the firmware's variable store for each boot. */
  readonly efiVars: string;
}

/** Options of {@link prepareStateDir}. */
export interface StateDirOptions {
  /** Where to make a short directory for the QMP socket when `<state>/qmp.sock` is too long; default `os.tmpdir()`, then /tmp. */
  readonly tmpDir?: string;
}

/**
 * The longest unix socket path, in bytes: `sun_path` is 108 bytes on Linux and 104 on macOS and the
 * BSDs, with a terminating NUL.
 */
export const MAX_SOCKET_PATH_BYTES = process.platform === "linux" ? 107 : 103;

/**
 * Creates the state directory and returns where its files go.
 * @throws HV_STATE when the directory cannot be created, or a VM is running from it
 * @example
 * ```ts
 * const state = await prepareStateDir("out/minimal-state");
 * const mac = await loadOrCreateMac(state.dir);
 * ```
 */
export async function prepareStateDir(dir: string, options: StateDirOptions = {}): Promise<StatePaths> {
  const abs = resolve(dir);
  try {
    await mkdir(abs, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new HypervisorError(
      "HV_STATE",
      `${abs}: cannot create the state directory (${code}); give a writable directory with --state`,
      { cause: error },
    );
  }
  const pidFile = join(abs, "qemu.pid");
  const running = await runningQemu(pidFile);
  if (running !== undefined) {
    throw new HypervisorError(
      "HV_STATE",
      `${abs}: a VM is already running from this state directory (qemu pid ${running}); stop it first, or give another --state`,
    );
  }
  const socket = await qmpSocketPath(abs, options.tmpDir);
  return {
    dir: abs,
    pidFile,
    ...socket,
    consoleLog: join(abs, "console.log"),
    macAddr: join(abs, MAC_ADDR_FILE),
    dataIso: join(abs, "data.iso"),
    efiVars: join(abs, "efi-vars.fd"),
  };
}

async function qmpSocketPath(
  dir: string,
  tmpDir: string | undefined,
): Promise<{ qmpSocket: string; qmpSocketDir?: string }> {
  const inState = join(dir, "qmp.sock");
  if (Buffer.byteLength(inState) <= MAX_SOCKET_PATH_BYTES) return { qmpSocket: inState };
  // Too long for a unix socket (deep checkouts, long --state): bind it in a short temporary
  // directory instead; the caller removes that directory when the VM has ended.
  for (const base of [tmpDir ?? tmpdir(), "/tmp"]) {
    const socketDir = await mkdtemp(join(base, "ocikit-qmp-"));
    const qmpSocket = join(socketDir, "qmp.sock");
    if (Buffer.byteLength(qmpSocket) <= MAX_SOCKET_PATH_BYTES) return { qmpSocket, qmpSocketDir: socketDir };
  }
  throw new HypervisorError(
    "HV_STATE",
    `${dir}: no short enough place for qemu's QMP socket (at most ${MAX_SOCKET_PATH_BYTES} bytes), even under /tmp; give a shorter --state`,
  );
}

/** The pid in `pidFile` when it names a live qemu process; undefined for no file or a stale one. */
async function runningQemu(pidFile: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(pidFile, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new HypervisorError(
      "HV_STATE",
      `${pidFile}: cannot be read (${(error as NodeJS.ErrnoException).code}); check the state directory's permissions`,
      { cause: error },
    );
  }
  const pid = Number(text.trim());
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  if (!isAlive(pid)) return undefined;
  return (await isQemu(pid)) ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether the process is qemu (its pid may have been reused by another program since). */
async function isQemu(pid: number): Promise<boolean> {
  try {
    return (await readFile(`/proc/${pid}/comm`, "utf8")).startsWith("qemu");
  } catch {
    // No procfs (macOS): we cannot tell, so a live process is taken to be the VM. Safe: the user is
    // told which pid to check.
    return true;
  }
}
