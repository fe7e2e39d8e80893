/**
 * What `ocikit run PATH` boots, found as LinuxKit's `run qemu` finds it (reference §6.1):
 *
 * - PATH does not exist: a kernel prefix. `PATH-kernel` must exist; `PATH-initrd.img` and
 *   `PATH-cmdline` (read as text, trimmed) are used when present; with `PATH-squashfs.img` too it is
 *   a squashfs boot (the image is the root disk);
 * - PATH exists and ends in `.iso`: an ISO boot (prefix: PATH without `.iso`);
 * - PATH is another file: a disk image, booted as the first disk (its format read from its magic).
 *
 * `kernel`, `squashfs` and `iso` force the mode (`--kernel`, `--squashfs`, `--iso`); `uefi` boots
 * through UEFI firmware. Beyond LinuxKit, and cheap: PATH may name one of the prefix's files
 * (`out/minimal-kernel`, `out/minimal-initrd.img`, `-cmdline`, `-squashfs.img`), and `--iso PREFIX`
 * finds `PREFIX.iso`. LinuxKit also passes `-initrd PATH-initrd.img` when that file is missing (qemu
 * then fails); we leave it out.
 */
import { readFile, stat } from "node:fs/promises";
import { detectDiskFormat } from "./disk-format.js";
import { HypervisorError } from "./errors.js";
import type { BootTarget } from "./types.js";

/** How `findBootTarget` chooses; every field defaults to false (detect the mode from the path). */
export interface FindBootTargetOptions {
  /** `--kernel`: boot `PATH-kernel` (+ initrd, cmdline). */
  readonly kernel?: boolean;
  /** `--squashfs`: boot `PATH-kernel` with `PATH-squashfs.img` as its root disk. */
  readonly squashfs?: boolean;
  /** `--iso`: boot PATH (or `PATH.iso`) from the CD-ROM. */
  readonly iso?: boolean;
  /** `--uefi`: boot through UEFI firmware (see `findUefiFirmware`). */
  readonly uefi?: boolean;
}

/** The files of a kernel prefix, as `ocikit build` (and LinuxKit) name them. */
const PREFIX_SUFFIXES = ["-kernel", "-initrd.img", "-cmdline", "-squashfs.img"] as const;

/**
 * Finds what to boot at `path` (see the module comment).
 * @throws HV_ARTIFACT_MISSING naming every file looked for; HV_BAD_OPTION for a directory or
 *   conflicting modes
 * @example
 * ```ts
 * const target = await findBootTarget("out/minimal");   // out/minimal-kernel, -initrd.img, -cmdline
 * ```
 */
export async function findBootTarget(path: string, options: FindBootTargetOptions = {}): Promise<BootTarget> {
  const forced = (["kernel", "squashfs", "iso"] as const).filter((mode) => options[mode]);
  if (forced.length > 1) {
    throw new HypervisorError(
      "HV_BAD_OPTION",
      `${path}: --${forced.join(" and --")} ask for different boot modes; give at most one`,
    );
  }
  const uefi = options.uefi ?? false;
  const mode = forced[0];
  const kind = await pathKind(path);
  if (kind === "dir") {
    throw new HypervisorError(
      "HV_BAD_OPTION",
      `${path}: is a directory; give the path of a kernel prefix (out/NAME for out/NAME-kernel), an .iso or a disk image`,
    );
  }
  if (mode === "iso") return isoTarget(path, kind, uefi);
  const prefix = prefixNamed(path, kind) ?? path;
  if (mode === "kernel" || mode === "squashfs") return kernelTarget(prefix, mode, uefi);
  if (prefix !== path || kind === undefined) return kernelTarget(prefix, "detect", uefi);
  if (path.endsWith(".iso")) return { kind: "iso", prefix: path.slice(0, -".iso".length), iso: path, uefi };
  return { kind: "disk", prefix: path, disk: path, format: await detectDiskFormat(path), uefi };
}

/** The prefix when `path` is an existing `PREFIX-kernel`, `PREFIX-initrd.img`, … */
function prefixNamed(path: string, kind: "file" | undefined): string | undefined {
  if (kind !== "file") return undefined;
  const suffix = PREFIX_SUFFIXES.find((s) => path.endsWith(s) && path.length > s.length);
  return suffix ? path.slice(0, -suffix.length) : undefined;
}

async function kernelTarget(
  prefix: string,
  mode: "kernel" | "squashfs" | "detect",
  uefi: boolean,
): Promise<BootTarget> {
  const kernel = `${prefix}-kernel`;
  const squashfs = `${prefix}-squashfs.img`;
  const hasKernel = (await pathKind(kernel)) === "file";
  const hasSquashfs = mode !== "kernel" && (await pathKind(squashfs)) === "file";
  if (!hasKernel || (mode === "squashfs" && !hasSquashfs)) {
    const wanted = mode === "squashfs" ? [kernel, squashfs] : [kernel];
    const missing = wanted.filter((file) => file !== kernel || !hasKernel);
    const lead =
      mode === "detect"
        ? `${prefix}: no such file, and no ${missing.join(" or ")}`
        : `${prefix}: no ${missing.join(" and no ")}`;
    throw new HypervisorError(
      "HV_ARTIFACT_MISSING",
      `${lead}; build with \`ocikit build\` first or give the path of a kernel prefix, an .iso or a disk image`,
    );
  }
  const cmdline = await readCmdline(`${prefix}-cmdline`);
  if (hasSquashfs) return { kind: "squashfs", prefix, kernel, squashfs, cmdline, uefi };
  const initrd = `${prefix}-initrd.img`;
  const hasInitrd = (await pathKind(initrd)) === "file";
  return { kind: "kernel", prefix, kernel, ...(hasInitrd ? { initrd } : {}), cmdline, uefi };
}

async function isoTarget(path: string, kind: "file" | undefined, uefi: boolean): Promise<BootTarget> {
  if (kind === "file") return { kind: "iso", prefix: path.replace(/\.iso$/, ""), iso: path, uefi };
  const withSuffix = `${path}.iso`;
  if ((await pathKind(withSuffix)) === "file") return { kind: "iso", prefix: path, iso: withSuffix, uefi };
  throw new HypervisorError(
    "HV_ARTIFACT_MISSING",
    `${path}: no such file, and no ${withSuffix}; build an iso-bios or iso-efi output with \`ocikit build\` first or give the path of an .iso`,
  );
}

async function readCmdline(path: string): Promise<string> {
  try {
    return (await readFile(path, "utf8")).trim();
  } catch (error) {
    if (isMissing(error)) return "";
    throw cannotRead(path, error);
  }
}

/** "file", "dir", or undefined when nothing is there. */
async function pathKind(path: string): Promise<"file" | "dir" | undefined> {
  try {
    return (await stat(path)).isDirectory() ? "dir" : "file";
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw cannotRead(path, error);
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

function cannotRead(path: string, error: unknown): HypervisorError {
  const code = (error as NodeJS.ErrnoException).code ?? String(error);
  return new HypervisorError(
    "HV_ARTIFACT_MISSING",
    `${path}: cannot be read (${code}); check its permissions`,
    {
      cause: error,
    },
  );
}
