/**
 * `ocikit inspect FILE`: what an initrd, a tar or an ISO contains — path, type, mode, owner, size,
 * link target and a content digest per entry — grouped by the section or image it came from. A tar
 * is grouped by LinuxKit's `LINUXKIT.location`/`LINUXKIT.source` records; an initrd by its members
 * (one per section, as ocikit writes them; a microcode archive first when there is one), each
 * labelled by what its first entries are. An ISO (iso-bios, iso-efi, iso-efi-initrd, or any ISO
 * 9660 image) first shows its volume, its El Torito boot catalog and its isohybrid MBR partitions,
 * then its files as one group.
 */
import { createHash } from "node:crypto";
import { type FileHandle, open } from "node:fs/promises";
import { resolve } from "node:path";
import { LOCATION_RECORD, SOURCE_RECORD } from "@ocikit/build";
import type { FsEntry } from "@ocikit/fs";
import { readInitrd } from "@ocikit/initrd";
import { fileHandleSource, type IsoBootImageInfo, type IsoImage, readIso } from "@ocikit/iso";
import { readTar } from "@ocikit/oci";
import type { Command } from "commander";
import type { CliIo } from "./cli-io.js";
import { CliError } from "./errors.js";
import { shortDigest } from "./pull-progress.js";

/** Where an ISO's first volume descriptor (sector 16) starts. */
const ISO_DESCRIPTOR_OFFSET = 16 * 2048;

/** Adds `inspect` to `program`. */
export function registerInspectCommand(program: Command, io: CliIo): void {
  program
    .command("inspect")
    .description(
      "list what an initrd, a tar or an ISO holds (path, type, mode, owner, size, digest), grouped by section; an ISO's volume and boot catalog first",
    )
    .argument("<file>", "an initrd (NAME-initrd.img), a tar (NAME.tar, NAME.docker) or an ISO (NAME.iso)")
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
  if (kind === "iso") {
    try {
      await inspectIso(await readIso(fileHandleSource(handle, (await handle.stat()).size)), json, io);
    } finally {
      await handle.close();
    }
    return;
  }
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

/**
 * An ISO: `== volume`, `== boot catalog` and `== isohybrid MBR` headers, each with its lines, then the
 * files as one group. With --json, one object for the volume, the catalog and the partitions (group
 * "volume"), then one per entry as for a tar.
 */
async function inspectIso(image: IsoImage, json: boolean, io: CliIo): Promise<void> {
  const { volume, boot, isohybrid } = image;
  const label = `files (${volume.rockRidge ? "Rock Ridge" : "ISO 9660 names"})`;
  if (json) {
    io.stdout.write(
      `${JSON.stringify({ group: "volume", volume, ...(boot ? { boot } : {}), ...(isohybrid ? { isohybrid } : {}) })}\n`,
    );
    for await (const entry of image.entries()) {
      const { body: _body, ...header } = entry;
      const digest = await digestOf(entry);
      io.stdout.write(
        `${JSON.stringify({ group: label, ...header, ...(digest ? { sha256: digest } : {}) })}\n`,
      );
    }
    return;
  }
  const extensions = [
    volume.rockRidge ? "Rock Ridge" : "no Rock Ridge",
    volume.joliet ? "Joliet" : "no Joliet",
  ];
  io.stdout.write(`== volume ${volume.volumeId}: ${volume.sizeBytes} bytes, ${extensions.join(", ")}\n`);
  const ids = [
    volume.systemId !== undefined ? `system ${volume.systemId}` : undefined,
    volume.publisherId !== "" ? `publisher ${volume.publisherId}` : undefined,
    volume.applicationId !== "" ? `application ${volume.applicationId}` : undefined,
  ].filter((id) => id !== undefined);
  io.stdout.write(
    `recorded ${volume.recordedAt.toISOString()}${ids.length > 0 ? `; ${ids.join("; ")}` : ""}\n`,
  );
  if (boot) {
    const where = boot.catalogPath ?? "not a file of the tree";
    const count = `${boot.entries.length} ${boot.entries.length === 1 ? "entry" : "entries"}`;
    io.stdout.write(`\n== boot catalog: LBA ${boot.catalogLba} (${where}), ${count}\n`);
    for (const entry of boot.entries) io.stdout.write(`${formatBootEntry(entry)}\n`);
  }
  if (isohybrid) {
    const count = isohybrid.partitions.length;
    io.stdout.write(`\n== isohybrid MBR: ${count} ${count === 1 ? "partition" : "partitions"}\n`);
    for (const p of isohybrid.partitions) {
      const type = `0x${p.type.toString(16).padStart(2, "0")}`;
      io.stdout.write(
        `${p.number} ${(p.active ? "active" : "").padEnd(6)} type ${type} sectors ${p.firstSector}+${p.sectors} (${p.sectors * 512} bytes)\n`,
      );
    }
  }
  io.stdout.write(`\n== ${label}\n`);
  for await (const entry of image.entries())
    io.stdout.write(`${formatEntry(entry, await digestOf(entry))}\n`);
}

/** `bios bootable no-emulation load 4 × 512 bytes LBA 35 isolinux/isolinux.bin`. */
function formatBootEntry(entry: IsoBootImageInfo): string {
  const platform =
    typeof entry.platform === "number" ? `0x${entry.platform.toString(16).padStart(2, "0")}` : entry.platform;
  const emulation = typeof entry.emulation === "number" ? `media-type-${entry.emulation}` : entry.emulation;
  const load =
    entry.sectorCount === 0
      ? "load to the end"
      : `load ${entry.sectorCount} × 512 bytes (${entry.sectorCount * 512})`;
  const segment = entry.loadSegment === 0 ? "" : ` at segment 0x${entry.loadSegment.toString(16)}`;
  return [
    platform.padEnd(4),
    entry.bootable ? "bootable" : "not-bootable",
    emulation === "none" ? "no-emulation" : emulation,
    `${load}${segment}`,
    `LBA ${entry.lba}`,
    entry.path ?? "(not a file of the tree)",
  ].join(" ");
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
 * Opens the file and tells an ISO by the primary volume descriptor at byte 32768 (type 1, "CD001",
 * version 1), else a tar from an initrd by its first 512 bytes — an isohybrid ISO starts with an MBR,
 * so the ISO's own mark goes first, and only that mark makes a file an ISO. The caller reads the rest
 * through the same handle (closing it, or letting its stream close it).
 * @throws {CliError} CLI_READ_FAILED when it cannot be read; CLI_USAGE when it is none of these
 */
async function openArchive(
  path: string,
  shown: string,
): Promise<{ kind: "tar" | "initrd" | "iso"; handle: FileHandle }> {
  let handle: FileHandle | undefined;
  const head = Buffer.alloc(512);
  const descriptor = Buffer.alloc(7);
  try {
    handle = await open(path, "r");
    await handle.read(head, 0, 512, 0);
    await handle.read(descriptor, 0, 7, ISO_DESCRIPTOR_OFFSET);
  } catch (error) {
    await handle?.close();
    throw new CliError(
      "CLI_READ_FAILED",
      `ocikit inspect: cannot read ${shown}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (descriptor[0] === 1 && descriptor.toString("latin1", 1, 6) === "CD001" && descriptor[6] === 1)
    return { kind: "iso", handle };
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
    `ocikit inspect: ${shown} is not a tar, an initrd (gzip or cpio newc) or an ISO 9660 image`,
  );
}
