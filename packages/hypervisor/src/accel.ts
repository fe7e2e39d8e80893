/**
 * Choosing the accelerator for `ocikit run`: what `--accel` asked for, else the host's — hvf on
 * macOS, KVM on Linux when /dev/kvm opens read-write and a probe boot (kvm-probe.ts) works, TCG
 * otherwise. LinuxKit's default is `kvm:tcg` whenever /dev/kvm exists (reference §6.1); we probe
 * because on nested hosts KVM exists and cannot boot a stock kernel. The probe's answer is cached
 * per machine in `<cacheDir>/accel-probe.json`, keyed by what could change it: the qemu binary and
 * its version, the host kernel's release, the CPU model, and what was booted.
 *
 * Left out: probing hvf (macOS cannot be tested here: it is used when asked or on macOS), and
 * qemu's own fallback lists (`-accel kvm -accel tcg`), which would hide why KVM was not used.
 */
import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { access, mkdir, open, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir, arch as nodeArch, release } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { HypervisorError } from "./errors.js";
import { requireProgram } from "./find-program.js";
import { qemuArchOfNode } from "./host-arch.js";
import { type KvmProbeKind, probeKvmBoot } from "./kvm-probe.js";
import type { Accelerator, QemuArch } from "./types.js";

/** Facts about this machine; each is read from it when absent (tests pass others). */
export interface HostFacts {
  /** Default `process.platform`. */
  readonly platform?: NodeJS.Platform;
  /** qemu's name for the host's architecture; default from `os.arch()`. */
  readonly arch?: string;
  /** Default `os.release()`. */
  readonly kernelRelease?: string;
  /** Default: /proc/cpuinfo's `model name` (or the first field that names the CPU). */
  readonly cpuModel?: string;
  /** Default `/dev/kvm`. */
  readonly kvmDevice?: string;
}

/** Options of {@link chooseAccelerator}. */
export interface ChooseAcceleratorOptions {
  /** `--accel`; default "auto". An explicit accelerator is used without probing. */
  readonly requested?: Accelerator | "auto";
  /** The guest's architecture. */
  readonly arch: QemuArch;
  /** `qemu-system-<arch>` or its path (the probe runs it; its version is part of the cache key). */
  readonly qemu: string;
  /** The kernel about to be booted; absent: the host's /boot/vmlinuz-*, else the built-in boot sector. */
  readonly probeKernel?: string;
  /** Where accel-probe.json lives; default `$XDG_CACHE_HOME/ocikit`, or `~/.cache/ocikit`. */
  readonly cacheDir?: string;
  /** How long the probe waits for the kernel banner; default ACCEL_DEFAULTS.probeTimeoutMs. */
  readonly timeoutMs?: number;
  /** Tells when a probe boot starts and ends (it can take the whole timeout: worth a line on screen). */
  readonly onProgress?: (event: AccelProbeEvent) => void;
  readonly signal?: AbortSignal;
  readonly host?: HostFacts;
}

/** Progress of {@link chooseAccelerator}. */
export type AccelProbeEvent =
  | { readonly type: "probe-start"; readonly kind: KvmProbeKind; readonly kernel?: string }
  | {
      readonly type: "probe-end";
      readonly passed: boolean;
      readonly detail: string;
      readonly elapsedMs: number;
    }
  /** The answer could not be cached (it is still used): the next run probes again. */
  | { readonly type: "warning"; readonly code: "HV_ACCEL_CACHE_UNWRITABLE"; readonly message: string };

/** Defaults of {@link ChooseAcceleratorOptions}. */
export const ACCEL_DEFAULTS = {
  requested: "auto",
  probeTimeoutMs: 4000,
  cacheFile: "accel-probe.json",
  /** How many machines' answers the cache file keeps (the latest). */
  cachedProbes: 20,
} as const;

/** The accelerator to use, and why, in words for the CLI to print. */
export interface AcceleratorChoice {
  readonly accel: Accelerator;
  /** e.g. "kvm (probe passed, cached)", "tcg: /dev/kvm is not usable (EACCES)". */
  readonly why: string;
}

/** What could change the probe's answer; a cached answer is used only for an identical key. */
export interface AccelProbeKey {
  /** The qemu binary's path. */
  readonly qemu: string;
  /** The first line of `qemu --version`. */
  readonly qemuVersion: string;
  readonly hostKernel: string;
  readonly cpuModel: string;
  readonly probe: KvmProbeKind;
}

interface CachedProbe {
  readonly key: AccelProbeKey;
  readonly passed: boolean;
  readonly detail: string;
}

interface CacheFile {
  readonly version: 1;
  readonly probes: readonly CachedProbe[];
}

/**
 * Picks the accelerator (see the module comment).
 * @throws {HypervisorError} HV_UNSUPPORTED when the requested accelerator cannot work here (hvf off macOS, kvm without a usable /dev/kvm); HV_TOOL_MISSING when qemu is needed for the probe and not installed; HV_ARTIFACT_MISSING when `probeKernel` cannot be read
 * @example
 * ```ts
 * const { accel, why } = await chooseAccelerator({ arch: "x86_64", qemu: "qemu-system-x86_64", probeKernel: "out/minimal-kernel" });
 * console.error(`accelerator: ${why}`); // "accelerator: tcg: KVM probe did not reach the kernel banner within 4 s (cached for this machine; --accel kvm forces it)"
 * ```
 */
export async function chooseAccelerator(options: ChooseAcceleratorOptions): Promise<AcceleratorChoice> {
  const requested = options.requested ?? ACCEL_DEFAULTS.requested;
  const host = options.host ?? {};
  const platform = host.platform ?? process.platform;
  const hostArch = host.arch ?? qemuArchOfNode(nodeArch()) ?? nodeArch();
  const kvmDevice = host.kvmDevice ?? "/dev/kvm";

  if (requested === "tcg") return { accel: "tcg", why: "tcg (--accel tcg)" };
  if (requested === "hvf") {
    if (platform !== "darwin")
      throw new HypervisorError(
        "HV_UNSUPPORTED",
        `--accel hvf: Hypervisor.framework exists only on macOS, not ${platform}; use --accel kvm or --accel tcg`,
      );
    return { accel: "hvf", why: "hvf (--accel hvf)" };
  }
  if (requested === "kvm") {
    if (platform !== "linux")
      throw new HypervisorError(
        "HV_UNSUPPORTED",
        `--accel kvm: KVM exists only on Linux, not ${platform}; use --accel ${platform === "darwin" ? "hvf" : "tcg"}`,
      );
    const unusable = await whyUnusable(kvmDevice);
    if (unusable)
      throw new HypervisorError(
        "HV_UNSUPPORTED",
        `--accel kvm: ${kvmDevice} cannot be opened read-write (${unusable}); load the kvm module, join the group that owns ${kvmDevice}, or use --accel tcg`,
      );
    return { accel: "kvm", why: "kvm (--accel kvm)" };
  }

  if (options.arch !== hostArch)
    return { accel: "tcg", why: `tcg: ${options.arch} guests cannot use the ${hostArch} host's accelerator` };
  if (platform === "darwin") return { accel: "hvf", why: "hvf (macOS; not probed)" };
  if (platform !== "linux") return { accel: "tcg", why: `tcg: no accelerator is supported on ${platform}` };
  const unusable = await whyUnusable(kvmDevice);
  if (unusable) return { accel: "tcg", why: `tcg: ${kvmDevice} is not usable (${unusable})` };

  if (options.probeKernel !== undefined && !(await isReadable(options.probeKernel)))
    // Probing with a kernel that is not there would cache "KVM fails" for a fault of the path.
    throw new HypervisorError(
      "HV_ARTIFACT_MISSING",
      `${options.probeKernel}: the kernel to probe KVM with cannot be read; check the path`,
    );
  const kernel = options.probeKernel ?? (await findHostKernel(host.kernelRelease ?? release()));
  const kind: KvmProbeKind | undefined =
    kernel !== undefined ? "kernel" : options.arch === "x86_64" ? "boot-sector" : undefined;
  if (kind === undefined)
    return { accel: "kvm", why: `kvm (${kvmDevice} opens; not probed: no kernel to try on ${options.arch})` };

  const qemu = await requireProgram(options.qemu);
  const key: AccelProbeKey = {
    qemu,
    qemuVersion: await qemuVersion(qemu),
    hostKernel: host.kernelRelease ?? release(),
    cpuModel: host.cpuModel ?? (await readCpuModel()),
    probe: kind,
  };
  const cacheFile = join(options.cacheDir ?? defaultCacheDir(), ACCEL_DEFAULTS.cacheFile);
  const cache = await readCache(cacheFile);
  const cached = cache.probes.find((probe) => sameKey(probe.key, key));
  if (cached) return choice(cached, "cached");

  options.onProgress?.({ type: "probe-start", kind, ...(kernel !== undefined ? { kernel } : {}) });
  const result = await probeKvmBoot({
    qemu,
    arch: options.arch,
    ...(kernel !== undefined ? { kernel } : {}),
    timeoutMs: options.timeoutMs ?? ACCEL_DEFAULTS.probeTimeoutMs,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  options.onProgress?.({
    type: "probe-end",
    passed: result.passed,
    detail: result.detail,
    elapsedMs: result.elapsedMs,
  });
  const probe: CachedProbe = { key, passed: result.passed, detail: result.detail };
  const unwritable = await writeCache(cacheFile, {
    version: 1,
    probes: [...cache.probes.filter((other) => !sameKey(other.key, key)), probe].slice(
      -ACCEL_DEFAULTS.cachedProbes,
    ),
  });
  if (unwritable)
    options.onProgress?.({ type: "warning", code: "HV_ACCEL_CACHE_UNWRITABLE", message: unwritable });
  return choice(probe, "fresh");
}

function choice(probe: CachedProbe, source: "cached" | "fresh"): AcceleratorChoice {
  const weak = probe.key.probe === "boot-sector" ? ": a boot sector ran; no kernel to try" : "";
  if (probe.passed)
    return { accel: "kvm", why: `kvm (probe passed${weak}${source === "cached" ? ", cached" : ""})` };
  const remembered = source === "cached" ? "cached for this machine" : "remembered for this machine";
  return { accel: "tcg", why: `tcg: ${probe.detail} (${remembered}; --accel kvm forces it)` };
}

/** Why `device` cannot be opened read-write (its errno code), or undefined when it can. */
async function whyUnusable(device: string): Promise<string | undefined> {
  try {
    const handle = await open(device, constants.O_RDWR);
    await handle.close();
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
}

/** The host's kernel to probe with: the running release's, else the newest readable /boot/vmlinuz-*. */
async function findHostKernel(kernelRelease: string): Promise<string | undefined> {
  let names: string[];
  try {
    names = await readdir("/boot");
  } catch {
    // No /boot (a container, another OS): there is simply no host kernel to try.
    return undefined;
  }
  const kernels = names
    .filter((name) => name.startsWith("vmlinuz-"))
    .sort()
    .reverse();
  const running = `vmlinuz-${kernelRelease}`;
  for (const name of [...kernels.filter((n) => n === running), ...kernels.filter((n) => n !== running)]) {
    const path = join("/boot", name);
    // Some distributions make /boot/vmlinuz-* readable by root only.
    if (await isReadable(path)) return path;
  }
  return undefined;
}

async function isReadable(path: string): Promise<boolean> {
  return access(path, constants.R_OK).then(
    () => true,
    () => false,
  );
}

async function qemuVersion(qemu: string): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(qemu, ["--version"], { timeout: 10_000 });
    return stdout.split("\n")[0]?.trim() ?? "";
  } catch (cause) {
    throw new HypervisorError(
      "HV_QEMU_FAILED",
      `${qemu} --version failed; is the qemu installation broken?`,
      {
        cause,
      },
    );
  }
}

/** The CPU's name from /proc/cpuinfo (x86: "model name"; others name it differently). */
async function readCpuModel(): Promise<string> {
  let cpuinfo: string;
  try {
    cpuinfo = await readFile("/proc/cpuinfo", "utf8");
  } catch {
    // No /proc/cpuinfo: the key then leans on qemu and the kernel release alone.
    return "unknown";
  }
  for (const field of ["model name", "Hardware", "cpu model", "uarch", "CPU part"]) {
    const match = new RegExp(`^${field}\\s*:\\s*(.+)$`, "m").exec(cpuinfo);
    if (match?.[1]) return match[1].trim();
  }
  return "unknown";
}

/** `$XDG_CACHE_HOME/ocikit` or `~/.cache/ocikit`, the CLI's cache directory, when none is given. */
function defaultCacheDir(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg?.startsWith("/") ? xdg : join(homedir(), ".cache"), "ocikit");
}

function sameKey(a: AccelProbeKey, b: AccelProbeKey): boolean {
  return (
    a.qemu === b.qemu &&
    a.qemuVersion === b.qemuVersion &&
    a.hostKernel === b.hostKernel &&
    a.cpuModel === b.cpuModel &&
    a.probe === b.probe
  );
}

async function readCache(file: string): Promise<CacheFile> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    // No cache yet (or unreadable): probing again is always correct, only slower.
    return { version: 1, probes: [] };
  }
  try {
    const parsed = JSON.parse(text) as Partial<CacheFile>;
    if (parsed.version === 1 && Array.isArray(parsed.probes)) return { version: 1, probes: parsed.probes };
  } catch {
    // A damaged cache file is rewritten after the next probe; nothing else depends on it.
  }
  return { version: 1, probes: [] };
}

/** Writes the cache file whole (a new file renamed over the old); returns why it failed, if it did. */
async function writeCache(file: string, cache: CacheFile): Promise<string | undefined> {
  const dir = join(file, "..");
  try {
    await mkdir(dir, { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(cache, null, 2)}\n`);
    await rename(temporary, file);
    return undefined;
  } catch (error) {
    return `${file}: cannot save the KVM probe's answer (${(error as NodeJS.ErrnoException).code}); check that ${dir} is writable`;
  }
}
