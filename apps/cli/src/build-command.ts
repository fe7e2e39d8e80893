/**
 * `ocikit build`: load, validate and merge the YAML files, then (for now) print the result with
 * `--dry-run`. Writing images arrives with the build pipeline (issue 4); until then `build` without
 * `--dry-run` checks the configuration and fails with `CLI_NOT_SUPPORTED` rather than pretend. The
 * pipeline's flags (LinuxKit's `build` flags plus ocikit's) are parsed already so that scripts and
 * `--help` see the interface it will have, and `--format` names are checked against LinuxKit's list.
 */
import {
  formatPos,
  isOutputFormat,
  loadConfig,
  OUTPUT_FORMATS,
  renderConfigYaml,
  type SpecWarning,
} from "@ocikit/spec";
import { type Command, InvalidArgumentError } from "commander";
import type { CliIo } from "./cli-io.js";
import { CliError } from "./errors.js";
import { readSources } from "./read-sources.js";

/** The options `build` parses; all but `dryRun` belong to the pipeline that is not there yet. */
interface BuildOptions {
  readonly dryRun?: boolean;
  readonly format?: readonly string[];
  readonly name?: string;
  readonly dir?: string;
  readonly output?: string;
  readonly sbom: boolean;
}

/** Option keys (as commander names them) and flags of the options only a real build uses. */
const PIPELINE_OPTIONS = [
  ["format", "--format"],
  ["name", "--name"],
  ["dir", "--dir"],
  ["output", "--output"],
  ["sbom", "--no-sbom"],
] as const;

/** Adds `build` to `program`. */
export function registerBuildCommand(program: Command, io: CliIo): void {
  program
    .command("build")
    .summary("check YAML files and print the merged configuration (--dry-run)")
    .description(
      "Load, validate and merge one or more LinuxKit YAML files, in the order given (- reads standard input). " +
        "With --dry-run, print the merged, normalised configuration as YAML.\n\n" +
        "Building images is not yet supported: without --dry-run the files are checked, then the command fails.",
    )
    .argument("<file...>", "YAML configuration files; - for standard input")
    .option("--dry-run", "validate and print the merged configuration; build nothing")
    .optionsGroup("Build options (accepted, not yet supported; see --dry-run):")
    .option("-f, --format <format>", "output format, repeatable or comma-separated", collectFormats)
    .option("--name <name>", "base name of the outputs")
    .option("--dir <dir>", "directory to write the outputs to")
    .option("-o, --output <file>", "write the single output to FILE, or - for stdout")
    .option("--no-sbom", "do not write an SBOM")
    .action(async (files: string[], options: BuildOptions, command: Command) => {
      await runBuild(files, options, command, io);
    });
}

async function runBuild(files: string[], options: BuildOptions, command: Command, io: CliIo): Promise<void> {
  const sources = await readSources(files, io, { command: "ocikit build" });
  const loaded = loadConfig(sources);
  for (const warning of loaded.warnings) io.stderr.write(`${formatWarning(warning)}\n`);
  const pipelineFlags = PIPELINE_OPTIONS.filter(([key]) => command.getOptionValueSource(key) === "cli").map(
    ([, flag]) => flag,
  );
  if (options.dryRun) {
    if (pipelineFlags.length > 0) {
      io.stderr.write(`ocikit build: warning: ${pipelineFlags.join(", ")} ignored with --dry-run\n`);
    }
    io.stdout.write(renderConfigYaml(loaded.config));
    return;
  }
  throw new CliError(
    "CLI_NOT_SUPPORTED",
    "ocikit build: building images is not yet supported (it arrives with the build pipeline, issue 4); " +
      "the configuration is valid, and --dry-run prints it",
  );
}

/** `file:line:col: warning: message`, or `ocikit build: warning: message` when it has no place. */
function formatWarning(warning: SpecWarning): string {
  return `${warning.at ? formatPos(warning.at) : "ocikit build"}: warning: ${warning.message}`;
}

function collectFormats(value: string, previous: readonly string[] | undefined): string[] {
  const formats = value.split(",").map((f) => f.trim());
  for (const format of formats) {
    if (!isOutputFormat(format)) {
      throw new InvalidArgumentError(
        `unknown output format "${format}"; expected one of ${OUTPUT_FORMATS.join(", ")}`,
      );
    }
  }
  return [...(previous ?? []), ...formats];
}
