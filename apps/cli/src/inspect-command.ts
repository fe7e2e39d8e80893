/**
 * `ocikit inspect FILE`: what an initrd or a tar contains — path, type, mode, owner, size, link
 * target and a content digest per entry — grouped by the section or image it came from. A tar is
 * grouped by LinuxKit's `LINUXKIT.location`/`LINUXKIT.source` records; an initrd by its members (one
 * per section, as ocikit writes them; a microcode archive first when there is one), each labelled by
 * what its first entries are.
 */
import { createHash } from "node:crypto";
import { type FileHandle, open } from "node:fs/promises";
import { resolve } from "node:path";
import { LOCATION_RECORD, SOURCE_RECORD } from "@ocikit/build";
import type { FsEntry } from "@ocikit/fs";
import { readInitrd } from "@ocikit/initrd";
import { readTar } from "@ocikit/oci";
import type { Command } from "commander";
import type { CliIo } from "./cli-io.js";
import { CliError } from "./errors.js";
import { shortDigest } from "./pull-progress.js";

/** Adds `inspect` to `program`. */
export function registerInspectCommand(program: Command, io: CliIo): void {
  program
    .command("inspect")
    .description(
      "list what an initrd or a tar holds (path, type, mode, owner, size, digest), grouped by section",
    )
    .argument("<file>", "an initrd (NAME-initrd.img) or a tar (NAME.tar, NAME.docker)")
    // Listed for `inspect --help`; the program's own --json takes the flag wherever it is written,
    // so read it from the merged options.
    .option("--json", "one JSON object per entry")
    .action(async (file: string, _options: unknown, command: Command) => {
      const json = command.optsWithGlobals<{ json?: boolean }>().json ?? false;
      await inspect(resolve(io.cwd, file), file, json, io);
    });
}

async function inspect(path: string, shown: string, json: boolean, io: CliIo): Promise<void> {
  const { kind, handle } = await openArchive(path, shown);
  const bytes = handle.createReadStream({ start: 0 });
  let group: string | undefined;
  const print = (label: string, entry: FsEntry, digest: string | undefined): void => {
    if (json) {
      const { body: _body, ...header } = entry;
      io.stdout.write(
        `${JSON.stringify({ group: label, ...header, ...(digest ? { sha256: digest } : {}) })}\n`,
      );
      return;
    }
    if (label !== group) {
      io.stdout.write(`${group === undefined ? "" : "\n"}== ${label}\n`);
      group = label;
    }
    io.stdout.write(`${formatEntry(entry, digest)}\n`);
  };
  if (kind === "tar") {
    for await (const entry of readTar(bytes, { source: shown })) {
      const location = entry.pax?.[LOCATION_RECORD];
      const source = entry.pax?.[SOURCE_RECORD];
      print(
        location ? `${location}${source ? ` (${source})` : ""}` : "(no LinuxKit records)",
        entry,
        await digestOf(entry),
      );
    }
    return;
  }
  let member = -1;
  let label = "";
  for await (const entry of readInitrd(bytes)) {
    if (entry.member !== member) {
      member = entry.member;
      label = `member ${member}${entry.compression === "none" ? ", uncompressed" : ""}: ${describeMember(entry.path)}`;
    }
    print(label, entry, await digestOf(entry));
  }
}

/** A member's label from its first entry: the section ocikit wrote it for. */
function describeMember(first: string): string {
  const bundle = first.match(/^containers\/(onboot|onshutdown|services|volumes)(?:\/([^/]+))?/);
  if (bundle) return bundle[2] ? `${bundle[1]} ${bundle[2]}` : (bundle[1] ?? first);
  if (first === "boot" || first.startsWith("boot/")) return "kernel";
  if (first === "sbom.spdx.json") return "sbom";
  if (first === "kernel/x86/microcode" || first.startsWith("kernel/")) return "microcode";
  return `starts with ${first}`;
}

/** `file 0644 0:0 160 sha256:abcd… path -> target`, columns as `ls -l` would order them. */
function formatEntry(entry: FsEntry, digest: string | undefined): string {
  const mode = entry.mode.toString(8).padStart(4, "0");
  const size =
    entry.type === "char" || entry.type === "block"
      ? `${entry.devMajor ?? 0},${entry.devMinor ?? 0}`
      : String(entry.size);
  const target = entry.linkTarget !== undefined ? ` -> ${entry.linkTarget}` : "";
  return `${entry.type.padEnd(8)} ${mode} ${`${entry.uid}:${entry.gid}`.padEnd(9)} ${size.padStart(9)} ${digest ? shortDigest(digest) : "-".padEnd(19)} ${entry.path}${target}`;
}

async function digestOf(entry: FsEntry): Promise<string | undefined> {
  if (entry.type !== "file") return undefined;
  const hash = createHash("sha256");
  for await (const chunk of entry.body()) hash.update(chunk);
  return `sha256:${hash.digest("hex")}`;
}

/**
 * Opens the file and tells a tar from an initrd by its first 512 bytes; the caller reads the rest
 * through the same handle (its stream closes it).
 * @throws {CliError} CLI_READ_FAILED when it cannot be read; CLI_USAGE when it is neither
 */
async function openArchive(
  path: string,
  shown: string,
): Promise<{ kind: "tar" | "initrd"; handle: FileHandle }> {
  let handle: FileHandle | undefined;
  const head = Buffer.alloc(512);
  try {
    handle = await open(path, "r");
    await handle.read(head, 0, 512, 0);
  } catch (error) {
    await handle?.close();
    throw new CliError(
      "CLI_READ_FAILED",
      `ocikit inspect: cannot read ${shown}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (head.toString("latin1", 257, 262) === "ustar") return { kind: "tar", handle };
  if (
    (head[0] === 0x1f && head[1] === 0x8b) ||
    head.toString("latin1", 0, 6) === "070701" ||
    head.toString("latin1", 0, 6) === "070702"
  )
    return { kind: "initrd", handle };
  await handle.close();
  throw new CliError(
    "CLI_USAGE",
    `ocikit inspect: ${shown} is neither a tar nor an initrd (gzip or cpio newc)`,
  );
}
