/**
 * `ocikit build`: load, validate and merge the YAML files, then build the outputs with
 * @ocikit/build (or, with `--dry-run`, print the merged configuration). Formats come from `--format`
 * (repeatable or comma-separated), else from the 2017 `outputs:` list, else `kernel+initrd`, as in
 * LinuxKit; the output name is `--name`, else the last file's base name.
 */
import { resolve } from "node:path";
import { type BuildOptions, type BuildResult, build } from "@ocikit/build";
import {
  formatPos,
  isOutputFormat,
  type LoadedConfig,
  loadConfig,
  OUTPUT_FORMATS,
  type OutputFormat,
  renderConfigYaml,
  type SpecWarning,
} from "@ocikit/spec";
import { type Command, InvalidArgumentError } from "commander";
import { createBuildProgress } from "./build-progress.js";
import type { CliIo } from "./cli-io.js";
import { type OciContext, openOciContext } from "./oci-context.js";
import { progressMode } from "./pull-progress.js";
import { readSources } from "./read-sources.js";

/** `build`'s flags. */
export interface BuildCommandOptions {
  readonly dryRun?: boolean;
  readonly format?: readonly OutputFormat[];
  readonly name?: string;
  readonly dir?: string;
  readonly output?: string;
  readonly sbom: boolean;
  readonly decompressKernel?: boolean;
  readonly compression?: "gzip" | "none";
  readonly bootloaderImage?: string;
}

/** Adds `build` to `program`. */
export function registerBuildCommand(program: Command, io: CliIo): void {
  program
    .command("build")
    .summary("build kernel+initrd, tar, … from LinuxKit YAML files")
    .description(
      "Load, validate and merge one or more LinuxKit YAML files, in the order given (- reads standard input), " +
        "pull the images they name (through the cache) and write the outputs.\n" +
        "Formats: --format, else the file's 2017 outputs: list, else kernel+initrd. " +
        "Written now: kernel+initrd, tar, tar-kernel-initrd, docker, iso-bios, iso-efi, iso-efi-initrd, raw-efi.",
    )
    .argument("<file...>", "YAML configuration files; - for standard input")
    .option("--dry-run", "validate and print the merged configuration; build nothing")
    .option("-f, --format <format>", "output format, repeatable or comma-separated", collectFormats)
    .option("--name <name>", "base name of the outputs (default: the last file's name)")
    .option("--dir <dir>", "directory to write the outputs to (default: the current one)")
    .option("-o, --output <file>", "write the single tar or docker output to FILE, or - for stdout")
    .option("--no-sbom", "do not write sbom.spdx.json")
    .option("--decompress-kernel", "write the kernel decompressed (gzip file or bzImage with a gzip payload)")
    .option("--compression <kind>", "compression of the initrd: gzip (default) or none", parseCompression)
    .option(
      "--bootloader-image <ref>",
      "image with the boot files of the ISO and EFI outputs (isolinux, ldlinux.c32, isohdpfx.bin, systemd's EFI stub) at Debian's paths (default: this machine's packages)",
    )
    .action(async (files: string[], options: BuildCommandOptions, command: Command) => {
      await runBuild(files, options, command, io);
    });
}

async function runBuild(
  files: string[],
  options: BuildCommandOptions,
  command: Command,
  io: CliIo,
): Promise<void> {
  const loaded = await loadFiles(files, io, "ocikit build");
  if (options.dryRun) {
    io.stdout.write(renderConfigYaml(loaded.config));
    return;
  }
  await buildLoaded(loaded, options, command, io);
}

/** Reads, validates and merges the YAML files, printing their warnings on stderr. */
export async function loadFiles(
  files: readonly string[],
  io: CliIo,
  commandName: string,
): Promise<LoadedConfig> {
  const sources = await readSources([...files], io, { command: commandName });
  const loaded = loadConfig(sources);
  for (const warning of loaded.warnings) io.stderr.write(`${formatWarning(warning)}\n`);
  return loaded;
}

/** Builds a loaded configuration with `build`'s flags, showing progress on stderr (`test` uses it too). */
export async function buildLoaded(
  loaded: LoadedConfig,
  options: Omit<BuildCommandOptions, "dryRun">,
  command: Command,
  io: CliIo,
): Promise<BuildResult> {
  const ctx = await openOciContext(command, io);
  const formats: readonly OutputFormat[] =
    options.format ?? (loaded.config.outputs.length > 0 ? loaded.config.outputs : ["kernel+initrd"]);
  const progress = createBuildProgress(io.stderr, progressMode(io.stderr, ctx.settings.json));
  let result: BuildResult;
  try {
    result = await build(loaded, {
      formats,
      name: options.name ?? loaded.name,
      dir: resolve(io.cwd, options.dir ?? "."),
      ...(options.output === undefined ? {} : { output: outputTarget(options.output, io) }),
      ...imageSettings(ctx, io),
      sbom: options.sbom,
      decompressKernel: options.decompressKernel ?? false,
      compression: options.compression ?? "gzip",
      ...(options.bootloaderImage ? { bootloaderImage: options.bootloaderImage } : {}),
      onEvent: progress.onEvent,
    });
  } finally {
    progress.finish();
  }
  progress.summary(result);
  return result;
}

/** What every build of a command shares: the image cache and registry settings, where paths are relative to. */
export function imageSettings(
  ctx: OciContext,
  io: CliIo,
): Pick<BuildOptions, "store" | "transport" | "platform" | "pull" | "cwd" | "homeDir"> {
  return {
    store: ctx.store,
    transport: ctx.transport,
    platform: ctx.settings.platform,
    pull: ctx.settings.pull,
    cwd: io.cwd,
    homeDir: ctx.settings.homeDir,
  };
}

/** `-o FILE` writes that file; `-o -` streams the single output to standard output. */
function outputTarget(output: string, io: CliIo): NonNullable<BuildOptions["output"]> {
  if (output !== "-") return { path: resolve(io.cwd, output) };
  return {
    stdout: async (chunks: AsyncIterable<Uint8Array>) => {
      for await (const chunk of chunks) io.stdout.write(chunk);
    },
  };
}

/** `file:line:col: warning: message`, or `ocikit build: warning: message` when it has no place. */
function formatWarning(warning: SpecWarning): string {
  return `${warning.at ? formatPos(warning.at) : "ocikit build"}: warning: ${warning.message}`;
}

function collectFormats(value: string, previous: readonly OutputFormat[] | undefined): OutputFormat[] {
  const formats = value.split(",").map((f) => f.trim());
  for (const format of formats) {
    if (!isOutputFormat(format)) {
      throw new InvalidArgumentError(
        `unknown output format "${format}"; expected one of ${OUTPUT_FORMATS.join(", ")}`,
      );
    }
  }
  return [...(previous ?? []), ...(formats as OutputFormat[])];
}

function parseCompression(value: string): "gzip" | "none" {
  if (value !== "gzip" && value !== "none")
    throw new InvalidArgumentError(`"${value}": expected gzip or none`);
  return value;
}
