/**
 * `ocikit cache export` and `ocikit cache import` (LinuxKit's, linuxkit-reference.md §5.3):
 * an image — cached, pulled when missing, or read from a layout or archive — written as an OCI
 * layout tar, a `docker save` tar or its flattened filesystem; and a tar (file or standard input)
 * holding an OCI layout or a `docker save` loaded into the cache. A file is written under a temporary
 * name and renamed when complete, so a failed export never leaves a half-written file under the name
 * asked for.
 */
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { type FileHandle, open, rename, rm } from "node:fs/promises";
import { resolve } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { OcikitError } from "@ocikit/errors";
import {
  EXPORT_FORMATS,
  type ExportFormat,
  exportImage,
  importArchive,
  OciError,
  openImage,
  parseImageSource,
} from "@ocikit/oci";
import { type Command, Option } from "commander";
import type { CliIo, TextSink } from "./cli-io.js";
import { CliError } from "./errors.js";
import { createCommandPuller, openOciContext } from "./oci-context.js";

interface ExportOptions {
  readonly format: ExportFormat;
  readonly output: string;
  readonly name?: string;
}

/** Adds `export` and `import` to the `cache` command. */
export function registerCacheArchiveCommands(cache: Command, io: CliIo): void {
  cache
    .command("export")
    .description(
      "write an image as a tar: an OCI image layout, a docker save archive, or its root filesystem",
    )
    .argument(
      "<ref>",
      "image: a registry reference (from the cache, pulled if missing), oci:DIR[:NAME], oci-archive:FILE[:NAME] or docker-archive:FILE[:REF]",
    )
    .addOption(new Option("--format <format>", "what to write").choices(EXPORT_FORMATS).default("oci"))
    .requiredOption("-o, --output <file>", "the file to write, or - for standard output")
    .option(
      "--name <ref>",
      "the name recorded in the archive (default: the registry reference, or a docker-archive REF)",
    )
    .action(async (ref: string, options: ExportOptions, command: Command) => {
      if (options.output === "-" && io.stdout.isTTY) {
        throw new CliError(
          "CLI_USAGE",
          "ocikit cache export: standard output is a terminal; write the tar to a file with -o FILE, or pipe it",
        );
      }
      const ctx = await openOciContext(command, io);
      const { puller, progress } = createCommandPuller(ctx, io, { pull: ctx.settings.pull });
      let image: Awaited<ReturnType<typeof openImage>>;
      try {
        image = await openImage(ref, {
          puller,
          platform: ctx.settings.platform,
          cwd: io.cwd,
        });
      } finally {
        progress.finish();
      }
      const name = options.name ?? defaultName(ref, options.format);
      const tar = exportImage(image, options.format, name === undefined ? {} : { name });
      const target = options.output === "-" ? "standard output" : resolve(io.cwd, options.output);
      if (options.output === "-") await writeToSink(io.stdout, tar);
      else await writeFileAtomically(target, tar);
      const line = {
        type: "exported",
        ref: image.ref,
        digest: image.digest,
        format: options.format,
        output: target,
      };
      io.stderr.write(
        ctx.settings.json
          ? `${JSON.stringify(line)}\n`
          : `exported ${image.ref} ${image.digest} as ${options.format} to ${target}\n`,
      );
    });

  cache
    .command("import")
    .description(
      "load the images of a tar (an OCI image layout or a docker save archive) into the cache; prints their names",
    )
    .argument("<file>", "the tar file, or - for standard input")
    .action(async (file: string, _o: unknown, command: Command) => {
      const ctx = await openOciContext(command, io);
      const source = file === "-" ? "standard input" : resolve(io.cwd, file);
      const input = file === "-" ? bytesOf(io.stdin) : await openInput(source);
      const { names } = await importArchive(input, ctx.store, { source });
      for (const name of names)
        io.stdout.write(ctx.settings.json ? `${JSON.stringify({ type: "imported", name })}\n` : `${name}\n`);
    });
}

/** The name an export records when `--name` is not given: what the reference itself names. */
function defaultName(ref: string, format: ExportFormat): string | undefined {
  const source = parseImageSource(ref);
  if (source.kind === "registry") {
    // A RepoTag needs a tag: a reference pinned only by digest leaves the docker archive untagged.
    return format === "docker" && source.ref.tag === undefined ? undefined : source.ref.name;
  }
  if (source.kind === "docker-archive" && source.name !== undefined && !source.name.startsWith("@"))
    return source.name;
  return undefined;
}

async function* bytesOf(chunks: AsyncIterable<Uint8Array | string>): AsyncIterable<Uint8Array> {
  for await (const chunk of chunks) yield typeof chunk === "string" ? Buffer.from(chunk, "latin1") : chunk;
}

/**
 * A file's bytes as a stream, opened here so that a typo is reported as such, not as a stream error
 * (the stream closes the file).
 * @throws {OciError} OCI_NOT_FOUND when the file does not exist; OCI_BAD_ARCHIVE when it cannot be read
 */
async function openInput(path: string): Promise<AsyncIterable<Uint8Array>> {
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT")
      throw new OciError("OCI_NOT_FOUND", `ocikit cache import: ${path}: no such file`, { cause: error });
    throw new OciError(
      "OCI_BAD_ARCHIVE",
      `ocikit cache import: ${path}: cannot read it (${(error as Error).message})`,
      { cause: error },
    );
  }
  return handle.createReadStream({ highWaterMark: 1 << 20 });
}

/** Writes bytes to a sink, waiting for "drain" when it is a stream that asks for it (a pipe). */
async function writeToSink(sink: TextSink, chunks: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const chunk of chunks) {
    const ready = sink.write(chunk);
    if (ready === false && typeof (sink as Partial<NodeJS.WritableStream>).once === "function") {
      await once(sink as NodeJS.WritableStream, "drain");
    }
  }
}

/**
 * Streams `chunks` to `FILE.tmp-<pid>`, then renames it to `path`; on failure removes the
 * temporary file, so `path` is either complete or untouched.
 * @throws {CliError} CLI_WRITE_FAILED when the file cannot be written; whatever `chunks` throws
 */
async function writeFileAtomically(path: string, chunks: AsyncIterable<Uint8Array>): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  try {
    await pipeline(Readable.from(chunks), createWriteStream(temp, { flags: "w" }));
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    if (error instanceof OcikitError) throw error;
    throw new CliError(
      "CLI_WRITE_FAILED",
      `ocikit cache export: cannot write ${path}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}
