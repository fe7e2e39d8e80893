/**
 * `build`: a loaded configuration in, output files out (linuxkit-reference.md §4). Resolves every
 * image in parallel (through the cache), plans the sections, and writes each requested format:
 * `kernel+initrd` (`NAME-kernel`, `NAME-initrd.img` = microcode cpio + the sections' compressed
 * members, `NAME-cmdline`), `tar` (`NAME.tar`, the root filesystem with LinuxKit's PAX records),
 * `tar-kernel-initrd` (`NAME-initrd.tar`) and `docker` (`NAME.docker`, the tar plus a Dockerfile).
 * Progress is reported as `BuildEvent`s; nothing of an image is written to the host filesystem
 * except the outputs themselves.
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { FsEntry } from "@ocikit/fs";
import type { InitrdCompression } from "@ocikit/initrd";
import {
  ImagePuller,
  OciError,
  type OciLayoutStore,
  openImage,
  type Platform,
  type RawImage,
  type RegistryTransport,
  writeTar,
} from "@ocikit/oci";
import type { LoadedConfig, OutputFormat } from "@ocikit/spec";
import { concatFilesAtomic, writeFileAtomic } from "./atomic-file.js";
import { type BootAssets, bootAssets, writeRawEfiOutput } from "./efi-outputs.js";
import { BuildError } from "./errors.js";
import type { BuildEvent } from "./events.js";
import { fileEntry, hostFilesEntry } from "./generated-entries.js";
import { type BuiltSection, buildInitrdSection } from "./initrd-sections.js";
import { bootFileNames, ISO_FORMATS, isIsoFormat, writeIsoOutput } from "./iso-outputs.js";
import { type BuildPlan, planBuild } from "./plan.js";
import { SectionCache, sectionCacheDir } from "./section-cache.js";

/** Formats this version writes; the others are refused with a clear message. */
export const SUPPORTED_FORMATS = [
  "kernel+initrd",
  "tar",
  "tar-kernel-initrd",
  "docker",
  "raw-efi",
  "iso-bios",
  "iso-efi",
  "iso-efi-initrd",
] as const satisfies readonly OutputFormat[];
const STREAMABLE = new Set<OutputFormat>(["tar", "docker"]);

export interface BuildOptions {
  readonly formats: readonly OutputFormat[];
  /** Base name of the outputs (LinuxKit's `--name`; default: the last YAML file's name). */
  readonly name: string;
  /** Where outputs go (`--dir`). */
  readonly dir: string;
  /** For a single `tar`/`docker` format: write it here instead (`-o FILE`), or to `stdout` (`-o -`). */
  readonly output?:
    | { readonly path: string }
    | { readonly stdout: (chunks: AsyncIterable<Uint8Array>) => Promise<void> };
  readonly store: OciLayoutStore;
  readonly transport: RegistryTransport;
  /** Resolve tags again even when cached (`--pull`). */
  readonly pull?: boolean;
  readonly platform: Platform;
  /** Write `sbom.spdx.json` (default true, as LinuxKit; `--no-sbom`). */
  readonly sbom?: boolean;
  readonly decompressKernel?: boolean;
  /** Compression of the initrd's members; default gzip. */
  readonly compression?: InitrdCompression;
  /** Where built sections are kept; default `<store>/sections`. */
  readonly sectionCacheDir?: string;
  /** Sections built at once; default 2. */
  readonly concurrency?: number;
  readonly cwd: string;
  readonly homeDir: string;
  /**
   * An image holding the boot files of the ISO and EFI outputs at the paths of Debian's packages
   * (`--bootloader-image`); default: this machine's packages.
   */
  readonly bootloaderImage?: string;
  readonly onEvent?: (event: BuildEvent) => void;
}

export interface BuildResult {
  readonly outputs: readonly {
    readonly format: OutputFormat;
    readonly path: string;
    readonly sizeBytes: number;
  }[];
  readonly elapsedMs: number;
}

/**
 * Builds the requested outputs.
 * @throws {BuildError} BUILD_UNSUPPORTED_FORMAT, BUILD_BAD_OPTIONS, BUILD_NO_KERNEL, BUILD_KERNEL_NOT_FOUND, …;
 *   OciError for images (naming the reference); SpecError for an invalid image label
 */
export async function build(loaded: LoadedConfig, options: BuildOptions): Promise<BuildResult> {
  const start = performance.now();
  const emit = (e: BuildEvent): void => options.onEvent?.(e);
  checkFormats(options, loaded);
  const puller = new ImagePuller({
    store: options.store,
    transport: options.transport,
    platform: options.platform,
    pull: options.pull ?? false,
    onProgress: (event) => emit({ type: "pull", event }),
  });
  const images = await resolveImages(loaded, { ...options, puller }, emit);
  const plan = await planBuild(loaded, {
    images,
    store: options.store,
    sbom: options.sbom ?? true,
    decompressKernel: options.decompressKernel ?? false,
    cwd: options.cwd,
    homeDir: options.homeDir,
  });
  const outputs: { format: OutputFormat; path: string; sizeBytes: number }[] = [];
  const out = (format: OutputFormat, path: string, sizeBytes: number, since: number): void => {
    outputs.push({ format, path, sizeBytes });
    emit({ type: "output", format, path, sizeBytes, ms: performance.now() - since });
  };
  const base = join(options.dir, options.name);
  let initrd: InitrdParts | undefined;
  const initrdParts = async (): Promise<InitrdParts> => {
    initrd ??= await buildInitrdParts(plan, options, emit);
    return initrd;
  };
  // The boot files and the UKI of the ISO and EFI outputs, found and made once for all of them.
  let boot: BootAssets | undefined;
  const assets = async (): Promise<BootAssets> => {
    const parts = await initrdParts();
    boot ??= bootAssets(
      {
        kernel: parts.kernel,
        initrd: [...(parts.ucode ? [parts.ucode] : []), ...parts.members],
        cmdline: plan.cmdline,
        name: options.name,
        platform: options.platform,
      },
      {
        ...(options.bootloaderImage ? { image: options.bootloaderImage } : {}),
        puller,
        platform: options.platform,
        cwd: options.cwd,
      },
      bootFileNames(options.formats, options.platform),
    );
    return boot;
  };
  for (const format of options.formats) {
    const since = performance.now();
    if (format === "kernel+initrd") {
      const parts = await initrdParts();
      out(format, `${base}-kernel`, await concatFilesAtomic(`${base}-kernel`, [parts.kernel]), since);
      const initrdPath = `${base}-initrd.img`;
      out(
        format,
        initrdPath,
        await concatFilesAtomic(initrdPath, [...(parts.ucode ? [parts.ucode] : []), ...parts.members]),
        since,
      );
      if (plan.cmdline !== "")
        out(
          format,
          `${base}-cmdline`,
          await writeFileAtomic(`${base}-cmdline`, [new TextEncoder().encode(plan.cmdline)]),
          since,
        );
    } else if (format === "raw-efi") {
      const path = `${base}-efi.img`;
      out(format, path, await writeRawEfiOutput(path, await assets()), since);
    } else if (isIsoFormat(format)) {
      const path = `${base}${ISO_FORMATS[format].suffix}`;
      out(format, path, await writeIsoOutput(format, path, await assets()), since);
    } else if (format === "tar-kernel-initrd") {
      const parts = await initrdParts();
      const path = `${base}-initrd.tar`;
      out(
        format,
        path,
        await writeFileAtomic(path, writeTar(kernelInitrdEntries(parts, plan.cmdline))),
        since,
      );
    } else {
      const tar = writeTar(rootfsEntries(plan, format === "docker"));
      const { output } = options;
      if (output && "stdout" in output) {
        await output.stdout(tar);
        out(format, "-", 0, since);
      } else {
        const path = output?.path ?? `${base}.${format === "docker" ? "docker" : "tar"}`;
        out(format, path, await writeFileAtomic(path, tar), since);
      }
    }
  }
  const elapsedMs = performance.now() - start;
  emit({ type: "done", outputs: outputs.map((o) => o.path), elapsedMs });
  return { outputs, elapsedMs };
}

function checkFormats(options: BuildOptions, loaded: LoadedConfig): void {
  for (const format of options.formats) {
    if (!(SUPPORTED_FORMATS as readonly string[]).includes(format)) {
      throw new BuildError(
        "BUILD_UNSUPPORTED_FORMAT",
        `output format "${format}" is not yet supported by ocikit; this version writes ${SUPPORTED_FORMATS.join(", ")}`,
      );
    }
  }
  if (
    options.output &&
    (options.formats.length !== 1 || !STREAMABLE.has(options.formats[0] as OutputFormat))
  ) {
    throw new BuildError(
      "BUILD_BAD_OPTIONS",
      "-o writes one tar or docker output; give exactly one of those formats with it",
    );
  }
  const needsKernel = options.formats.some(
    (f) => f === "kernel+initrd" || f === "tar-kernel-initrd" || f === "raw-efi" || isIsoFormat(f),
  );
  if (needsKernel && !loaded.config.kernel?.image) throw noKernel();
}

function noKernel(): BuildError {
  return new BuildError(
    "BUILD_NO_KERNEL",
    "the configuration has no kernel image; kernel+initrd, tar-kernel-initrd, raw-efi and iso-* outputs need kernel: image:",
  );
}

/** Resolves every image the configuration names, in parallel (the puller limits downloads). */
async function resolveImages(
  loaded: LoadedConfig,
  options: BuildOptions & { puller: ImagePuller },
  emit: (e: BuildEvent) => void,
): Promise<Map<string, RawImage>> {
  const { config } = loaded;
  const refs = new Set<string>([
    ...(config.kernel?.image ? [config.kernel.image] : []),
    ...config.init,
    ...config.volumes.flatMap((v) => (v.image ? [v.image] : [])),
    ...[...config.onboot, ...config.onshutdown, ...config.services].map((e) => e.image),
  ]);
  const entries = await Promise.all(
    [...refs].map(async (ref) => {
      const image = await openImage(ref, {
        puller: options.puller,
        platform: options.platform,
        cwd: options.cwd,
      }).catch((error: unknown) => {
        // Every image error must say which image: add the reference where the message lacks it.
        if (error instanceof OciError && !error.message.includes(ref)) {
          throw new OciError(error.code, `${ref}: ${error.message}`, { cause: error });
        }
        throw error;
      });
      emit({ type: "resolve", ref, digest: image.digest });
      return [ref, image] as const;
    }),
  );
  return new Map(entries);
}

interface InitrdParts {
  readonly members: readonly string[];
  readonly kernel: string;
  readonly ucode?: string;
}

/**
 * Builds (or finds) every section's member, `concurrency` at a time, and keeps their order.
 * @throws {BuildError} BUILD_NO_KERNEL when no section gave a kernel
 */
async function buildInitrdParts(
  plan: BuildPlan,
  options: BuildOptions,
  emit: (e: BuildEvent) => void,
): Promise<InitrdParts> {
  const cache = new SectionCache(options.sectionCacheDir ?? sectionCacheDir(options.store.dir));
  const compression = options.compression ?? "gzip";
  const results: BuiltSection[] = new Array(plan.sections.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < plan.sections.length; i = next++) {
      const section = plan.sections[i] as (typeof plan.sections)[number];
      const built = await buildInitrdSection(section, { cache, compression });
      results[i] = built;
      emit({
        type: "section",
        index: i,
        name: section.name,
        location: section.provenance.location,
        source: section.provenance.source,
        cached: built.cached,
        entries: built.entries,
        sizeBytes: (await stat(built.cpio)).size,
        ms: built.ms,
      });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 2) }, worker));
  const boot = results.find((r) => r.kernel);
  if (!boot?.kernel) throw noKernel();
  return {
    members: results.map((r) => r.cpio),
    kernel: boot.kernel,
    ...(boot.ucode ? { ucode: boot.ucode } : {}),
  };
}

/** The whole root filesystem in order; the `docker` format adds a Dockerfile before the SBOM. */
async function* rootfsEntries(plan: BuildPlan, docker: boolean): AsyncIterable<FsEntry> {
  for (const section of plan.sections) {
    if (docker && section.kind === "sbom") yield dockerfile();
    yield* section.entries();
  }
  if (docker && !plan.sections.some((s) => s.kind === "sbom")) yield dockerfile();
}

function dockerfile(): FsEntry {
  return fileEntry("Dockerfile", 'FROM scratch\nCOPY . ./\nENTRYPOINT ["/bin/rc.init"]\n', 0o644);
}

/** `NAME-initrd.tar`: kernel, initrd.img (no microcode), cmdline, ucode.cpio, 0644 at the fixed time. */
async function* kernelInitrdEntries(parts: InitrdParts, cmdline: string): AsyncIterable<FsEntry> {
  yield await hostFilesEntry("kernel", [parts.kernel]);
  yield await hostFilesEntry("initrd.img", parts.members);
  yield fileEntry("cmdline", cmdline, 0o644);
  if (parts.ucode) yield await hostFilesEntry("ucode.cpio", [parts.ucode]);
}
