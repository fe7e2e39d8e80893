/**
 * What a build made, for the page's image explorer: the kernel+initrd outputs read back (the initrd
 * through @ocikit/initrd's reader, so the tree is what the kernel will unpack) and the build's section
 * events, which say where each compressed member came from. Nothing but these three outputs is read.
 */
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import type { BuildEvent } from "@ocikit/build";
import { readInitrd } from "@ocikit/initrd";
import type { ImageEntry, ImageSection, ImageSummary } from "./protocol.js";

/** A build's `section` event. */
export type SectionEvent = Extract<BuildEvent, { type: "section" }>;

/**
 * Reads `PREFIX-kernel`, `PREFIX-initrd.img` and `PREFIX-cmdline` and describes them. The initrd's
 * compressed members are its sections in `index` order; an uncompressed archive before them is the
 * microcode, counted in `ucodeBytes` and left out of the tree (the kernel loads it before the root).
 *
 * @throws the host's errors when an output cannot be read; InitrdError when the initrd is malformed
 * @example
 * const image = await summarizeImage("out/minimal", { buildId: 3, sections });
 * console.log(image.sections.map((s) => `${s.name}: ${s.contentBytes} bytes`));
 */
export async function summarizeImage(
  kernelPrefix: string,
  options: { readonly buildId: number; readonly sections: readonly SectionEvent[] },
): Promise<ImageSummary> {
  const initrdPath = `${kernelPrefix}-initrd.img`;
  const [kernel, initrd, cmdline] = await Promise.all([
    stat(`${kernelPrefix}-kernel`),
    stat(initrdPath),
    readFile(`${kernelPrefix}-cmdline`, "utf8").catch(() => ""),
  ]);
  const events = [...options.sections].sort((a, b) => a.index - b.index);
  const totals = new Map(events.map((e) => [e.index, { contentBytes: 0, entries: 0 }]));
  const entries: ImageEntry[] = [];
  let ucodeMembers = 0;
  let ucodeBytes = 0;
  for await (const entry of readInitrd(createReadStream(initrdPath))) {
    if (entry.compression === "none") {
      ucodeMembers = entry.member + 1;
      continue;
    }
    if (ucodeMembers > 0 && ucodeBytes === 0) ucodeBytes = entry.memberOffset;
    const section = entry.member - ucodeMembers;
    const total = totals.get(section);
    if (total) {
      total.entries++;
      if (entry.type === "file") total.contentBytes += entry.size;
    }
    entries.push({
      path: entry.path,
      type: entry.type,
      mode: entry.mode,
      uid: entry.uid,
      gid: entry.gid,
      size: entry.size,
      ...(entry.linkTarget !== undefined ? { target: entry.linkTarget } : {}),
      section,
    });
  }
  const sections: ImageSection[] = events.map((event) => ({
    index: event.index,
    name: event.name,
    location: event.location,
    source: event.source,
    cached: event.cached,
    ms: event.ms,
    memberBytes: event.sizeBytes,
    contentBytes: totals.get(event.index)?.contentBytes ?? 0,
    entries: totals.get(event.index)?.entries ?? 0,
  }));
  return {
    buildId: options.buildId,
    kernelBytes: kernel.size,
    initrdBytes: initrd.size,
    ucodeBytes,
    cmdline: cmdline.trim(),
    sections,
    entries,
  };
}
