/**
 * The `--disk` flags resolved to files, as LinuxKit's `run qemu` does (reference §6.1): a disk without
 * a path is `<state>/disk.img`, `disk1.img`, …; one with a size that does not exist yet is created
 * with `qemu-img create -f <format, default qcow2> PATH <size>M`; existing files are reused as they
 * are. Beyond LinuxKit: an existing disk given without a format gets the one its magic bytes name
 * (so qemu neither warns nor fences off a raw image's first sector), and a missing disk without a
 * size is an error here rather than qemu's.
 */
import { spawn } from "node:child_process";
import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { detectDiskFormat } from "./disk-format.js";
import { HypervisorError } from "./errors.js";
import type { Disk, DiskSpec } from "./types.js";

/** Options of {@link resolveDisks}. */
export interface ResolveDisksOptions {
  /** The qemu-img program; default "qemu-img" on PATH. */
  readonly qemuImg?: string;
  readonly signal?: AbortSignal;
}

/** The format a disk is created in when `--disk` names none (LinuxKit's). */
export const DEFAULT_DISK_FORMAT = "qcow2";

/**
 * Resolves each spec to a disk file, creating the ones that have a size and do not exist.
 * @throws HV_ARTIFACT_MISSING for a missing disk without a size; HV_TOOL_MISSING without qemu-img;
 *   HV_QEMU_FAILED when qemu-img fails
 * @example
 * ```ts
 * const disks = await resolveDisks([parseDiskSpec("size=1G")], state.dir);   // <state>/disk.img, qcow2
 * ```
 */
export async function resolveDisks(
  specs: readonly DiskSpec[],
  stateDir: string,
  options: ResolveDisksOptions = {},
): Promise<Disk[]> {
  const disks: Disk[] = [];
  for (const [i, spec] of specs.entries()) {
    const path = resolve(spec.path ?? join(stateDir, i === 0 ? "disk.img" : `disk${i}.img`));
    if (await exists(path)) {
      disks.push({ path, format: spec.format ?? (await detectDiskFormat(path)) });
      continue;
    }
    if (spec.sizeMiB === undefined) {
      throw new HypervisorError(
        "HV_ARTIFACT_MISSING",
        `${path}: no such disk image; give a size to create it (--disk ${spec.path ?? path},size=1G) or the path of an existing image`,
      );
    }
    const format = spec.format ?? DEFAULT_DISK_FORMAT;
    await runQemuImg(
      options.qemuImg ?? "qemu-img",
      ["create", "-q", "-f", format, path, `${spec.sizeMiB}M`],
      options.signal,
    );
    disks.push({ path, format });
  }
  return disks;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return false;
    throw new HypervisorError(
      "HV_ARTIFACT_MISSING",
      `${path}: cannot be read (${code}); check its permissions`,
      {
        cause: error,
      },
    );
  }
}

function runQemuImg(
  program: string,
  args: readonly string[],
  signal: AbortSignal | undefined,
): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(program, args, {
      stdio: ["ignore", "ignore", "pipe"],
      ...(signal ? { signal } : {}),
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") {
        reject(
          new HypervisorError(
            "HV_TOOL_MISSING",
            `${program}: not found, and it creates the disks given with a size; install it with \`apt-get install qemu-utils\``,
            { cause: error },
          ),
        );
      } else reject(error);
    });
    child.on("close", (code) => {
      if (code === 0) return resolvePromise();
      // After an abort the promise was already rejected by the "error" event; this does nothing.
      const why = stderr.trim().split("\n").join("; ") || `exit status ${code}`;
      reject(
        new HypervisorError(
          "HV_QEMU_FAILED",
          `${program} ${args.join(" ")}: failed: ${why}; check the --disk path and format`,
        ),
      );
    });
  });
}
