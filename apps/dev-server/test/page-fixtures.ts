/** Messages and records for the page's unit tests (test/page-*.test.ts). */
import type { BuildEvent } from "@ocikit/build";
import type { BuildRecord, ImageEntry, ImageSection, ImageSummary, ServerMessage } from "../src/protocol.js";

export const T0 = Date.UTC(2025, 0, 2, 10, 0, 0);

export function hello(overrides: Partial<Extract<ServerMessage, { type: "hello" }>> = {}): ServerMessage {
  return {
    type: "hello",
    files: ["linuxkit.yml"],
    history: [],
    vm: { state: "none" },
    console: "",
    ...overrides,
  };
}

export function record(
  id: number,
  status: BuildRecord["status"],
  extra: Partial<BuildRecord> = {},
): BuildRecord {
  return { id, startedAt: new Date(T0 + id * 60_000).toISOString(), reason: "start", status, ...extra };
}

export function build(
  id: number,
  status: BuildRecord["status"],
  extra: Partial<BuildRecord> = {},
): ServerMessage {
  return { type: "build", build: record(id, status, extra) };
}

export function event(buildId: number, e: BuildEvent): ServerMessage {
  return { type: "build-event", buildId, event: e };
}

export function sectionEvent(index: number, name: string, cached: boolean, sizeBytes = 1000): BuildEvent {
  return {
    type: "section",
    index,
    name,
    location: name,
    source: `img/${name}`,
    cached,
    entries: 3,
    sizeBytes,
    ms: 5,
  };
}

export function blobEvent(ref: string, digest: string, bytesDone: number, bytesTotal: number): BuildEvent {
  return {
    type: "pull",
    event: {
      type: "blob",
      ref,
      digest,
      mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
      bytesDone,
      bytesTotal,
      cached: false,
    },
  };
}

export function entry(
  path: string,
  type: ImageEntry["type"],
  size = 0,
  section = 0,
  target?: string,
): ImageEntry {
  return {
    path,
    type,
    mode: type === "dir" ? 0o755 : 0o644,
    uid: 0,
    gid: 0,
    size,
    section,
    ...(target === undefined ? {} : { target }),
  };
}

export function section(
  index: number,
  name: string,
  source: string,
  memberBytes: number,
  contentBytes: number,
): ImageSection {
  return {
    index,
    name,
    location: name,
    source,
    cached: index % 2 === 0,
    ms: 10,
    memberBytes,
    contentBytes,
    entries: 2,
  };
}

export function image(buildId: number, extra: Partial<ImageSummary> = {}): ImageSummary {
  return {
    buildId,
    kernelBytes: 5_000_000,
    initrdBytes: 3_000_000,
    ucodeBytes: 0,
    cmdline: "console=ttyS0",
    sections: [
      section(0, "init[0]", "linuxkit/init:v1", 2_000, 4_000),
      section(1, "files", "files", 500, 900),
    ],
    entries: [entry(".", "dir"), entry("etc", "dir"), entry("etc/hostname", "file", 6, 1)],
    ...extra,
  };
}
