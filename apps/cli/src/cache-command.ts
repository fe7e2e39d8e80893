/**
 * `ocikit cache …`: the image cache, an OCI image layout (reference syntax and cache rules:
 * packages/oci/README.md). `pull`, `ls`, `rm` (blobs shared with other images stay), `clean`,
 * `export` (oci, docker or filesystem tar), `import`, `push`.
 */
import { clearSectionCache } from "@ocikit/build";
import {
  cleanCache,
  listCachedImages,
  OciError,
  parseImageSource,
  pushCachedImage,
  removeCachedImages,
} from "@ocikit/oci";
import type { Command } from "commander";
import { registerCacheArchiveCommands } from "./cache-archive-commands.js";
import type { CliIo } from "./cli-io.js";
import { CliError } from "./errors.js";
import { createCommandPuller, openOciContext } from "./oci-context.js";
import { formatBytes, shortDigest } from "./pull-progress.js";

/** Adds `cache` and its subcommands to `program`. */
export function registerCacheCommand(program: Command, io: CliIo): void {
  const cache = program
    .command("cache")
    .summary("manage the image cache")
    .description(
      "Manage the image cache, an OCI image layout that other OCI tools (skopeo, crane) can read.\n" +
        "Images are named by registry reference (docker.io/library/alpine:3.20) or by the\n" +
        "oci:, oci-archive: and docker-archive: syntax of skopeo.",
    );

  cache
    .command("pull")
    .description("pull images into the cache (for --arch, default this machine's platform)")
    .argument("<ref...>", "image references")
    .action(async (refs: string[], _o: unknown, command: Command) => {
      const ctx = await openOciContext(command, io);
      const { puller, progress } = createCommandPuller(ctx, io, { pull: true, verifyCached: true });
      try {
        for (const ref of refs) {
          const source = parseImageSource(ref);
          if (source.kind !== "registry") {
            throw new CliError(
              "CLI_USAGE",
              `ocikit cache pull: ${ref} is not a registry reference; use "ocikit cache import" for archives`,
            );
          }
          const image = await puller.pull(ref);
          const line = {
            type: "pulled",
            ref: image.ref,
            digest: image.indexDigest ?? image.digest,
            manifest: image.digest,
          };
          io.stdout.write(ctx.settings.json ? `${JSON.stringify(line)}\n` : `${image.ref} ${line.digest}\n`);
        }
      } finally {
        progress.finish();
      }
    });

  cache
    .command("ls")
    .description("list cached images: reference and digest, one per line")
    .action(async (_o: unknown, command: Command) => {
      const ctx = await openOciContext(command, io);
      for (const image of await listCachedImages(ctx.store)) {
        io.stdout.write(
          ctx.settings.json
            ? `${JSON.stringify(image)}\n`
            : `${image.name} ${image.digest}${image.platforms.length > 0 ? ` ${image.platforms.join(",")}` : ""}\n`,
        );
      }
    });

  cache
    .command("rm")
    .description("remove images from the cache; blobs that other cached images use are kept")
    .argument("<ref...>", "cached image names or references")
    .action(async (refs: string[], _o: unknown, command: Command) => {
      const ctx = await openOciContext(command, io);
      const names = refs.map(cacheName);
      const result = await removeCachedImages(ctx.store, names);
      for (const r of result.removed) io.stdout.write(`removed ${r.name}\n`);
      io.stderr.write(
        `${result.deletedBlobs} blobs deleted, ${result.keptSharedBlobs} kept (used by other images)\n`,
      );
      if (result.notFound.length > 0) {
        throw new OciError(
          "OCI_NOT_CACHED",
          `ocikit cache rm: not in the cache: ${result.notFound.join(", ")} (see ocikit cache ls)`,
        );
      }
    });

  cache
    .command("clean")
    .description("remove every image and blob from the cache, and the built initrd sections")
    .action(async (_o: unknown, command: Command) => {
      const ctx = await openOciContext(command, io);
      await cleanCache(ctx.store);
      await clearSectionCache(ctx.store.dir);
      io.stderr.write(`emptied ${ctx.store.dir}\n`);
    });

  cache
    .command("push")
    .description("push a cached image to a registry")
    .argument("<ref>", "cached image")
    .option("--remote-name <name>", "push under this reference instead of the cached name")
    .action(async (ref: string, options: { remoteName?: string }, command: Command) => {
      const ctx = await openOciContext(command, io);
      const name = cacheName(ref);
      const target = options.remoteName ?? name;
      const digest = await pushCachedImage(name, target, {
        store: ctx.store,
        transport: ctx.transport,
        onProgress: (event) => {
          if (ctx.settings.json) io.stderr.write(`${JSON.stringify(event)}\n`);
          else if (event.type === "blob")
            io.stderr.write(`${shortDigest(event.digest)} ${event.result} (${formatBytes(event.size)})\n`);
          else if (event.type === "warning") io.stderr.write(`warning: ${event.message}\n`);
        },
      });
      io.stdout.write(`${cacheName(target)} ${digest}\n`);
    });

  registerCacheArchiveCommands(cache, io);
}

/** The cache name for what the user typed: registry references are normalised, others kept. */
function cacheName(text: string): string {
  try {
    const source = parseImageSource(text);
    return source.kind === "registry" ? source.ref.name : text;
  } catch {
    // Not a reference at all (an imported archive's name): the exact text is the name.
    return text;
  }
}
