/**
 * The pipeline of one build, folded from its `build-event`s (packages/build/src/events.ts): the images
 * it resolved and pulled (bytes per blob), its sections in initrd order, its outputs, warnings and end.
 * Pure (no DOM), tested in test/page-pipeline.test.ts.
 *
 * Events are live only (the hub does not replay them), so a page that connects after a build has none;
 * `sectionsFromImage` fills the sections in from the image summary of that build.
 */
import type { BuildEvent } from "@ocikit/build";
import type { ImageSummary } from "../../src/protocol.js";

/** One blob of an image, with the last progress reported for it. */
export interface PipelineBlob {
  readonly digest: string;
  readonly mediaType: string;
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly cached: boolean;
}

/** One image the build resolved (and maybe pulled). */
export interface PipelineImage {
  readonly ref: string;
  /** The manifest digest, once resolved. */
  readonly digest?: string;
  /** Where the manifest came from, when the puller said. */
  readonly from?: "cache" | "registry";
  /** Its blobs in the order they were first reported. */
  readonly blobs: readonly PipelineBlob[];
}

/** One section of the initrd: its `section` event. */
export type PipelineSection = Omit<Extract<BuildEvent, { type: "section" }>, "type">;

/** One output file: its `output` event. */
export type PipelineOutput = Omit<Extract<BuildEvent, { type: "output" }>, "type">;

/** A warning of the build (or of a pull). */
export interface PipelineWarning {
  readonly code: string;
  readonly message: string;
  /** "file:line:col" or the image reference, when known. */
  readonly where?: string;
}

/** What the events of one build said so far. */
export interface Pipeline {
  readonly buildId: number;
  readonly images: readonly PipelineImage[];
  /** In index order. */
  readonly sections: readonly PipelineSection[];
  readonly outputs: readonly PipelineOutput[];
  readonly warnings: readonly PipelineWarning[];
  readonly done?: { readonly outputs: readonly string[]; readonly elapsedMs: number };
}

/** The pipeline of a build before any event. */
export function emptyPipeline(buildId: number): Pipeline {
  return { buildId, images: [], sections: [], outputs: [], warnings: [] };
}

/** Bytes done and total over an image's blobs. */
export function imageProgress(image: PipelineImage): { bytesDone: number; bytesTotal: number } {
  let bytesDone = 0;
  let bytesTotal = 0;
  for (const blob of image.blobs) {
    bytesDone += blob.bytesDone;
    bytesTotal += blob.bytesTotal;
  }
  return { bytesDone, bytesTotal };
}

/** `pipeline` with `event` applied (a section or output reported twice replaces the first report). */
export function applyBuildEvent(pipeline: Pipeline, event: BuildEvent): Pipeline {
  switch (event.type) {
    case "resolve":
      return withImage(pipeline, event.ref, (image) => ({ ...image, digest: event.digest }));
    case "pull": {
      const pull = event.event;
      switch (pull.type) {
        case "resolve":
          return withImage(pipeline, pull.ref, (image) => ({
            ...image,
            digest: pull.digest,
            from: pull.from,
          }));
        case "blob": {
          const blob: PipelineBlob = {
            digest: pull.digest,
            mediaType: pull.mediaType,
            bytesDone: pull.bytesDone,
            bytesTotal: pull.bytesTotal,
            cached: pull.cached,
          };
          return withImage(pipeline, pull.ref, (image) => {
            const at = image.blobs.findIndex((b) => b.digest === pull.digest);
            const blobs = at < 0 ? [...image.blobs, blob] : image.blobs.with(at, blob);
            return { ...image, blobs };
          });
        }
        case "warning":
          return {
            ...pipeline,
            warnings: [...pipeline.warnings, { code: pull.code, message: pull.message, where: pull.ref }],
          };
      }
      return pipeline;
    }
    case "section": {
      const { type: _type, ...section } = event;
      const sections = [...pipeline.sections.filter((s) => s.index !== event.index), section];
      sections.sort((a, b) => a.index - b.index);
      return { ...pipeline, sections };
    }
    case "output": {
      const { type: _type, ...output } = event;
      return { ...pipeline, outputs: [...pipeline.outputs.filter((o) => o.path !== event.path), output] };
    }
    case "warning": {
      const where = event.at === undefined ? undefined : `${event.at.file}:${event.at.line}:${event.at.col}`;
      const warning: PipelineWarning = {
        code: event.code,
        message: event.message,
        ...(where === undefined ? {} : { where }),
      };
      return { ...pipeline, warnings: [...pipeline.warnings, warning] };
    }
    case "done":
      return { ...pipeline, done: { outputs: event.outputs, elapsedMs: event.elapsedMs } };
  }
  return pipeline;
}

/** The sections of the build that made `image`, for a pipeline whose section events were missed. */
export function sectionsFromImage(image: ImageSummary): readonly PipelineSection[] {
  return [...image.sections]
    .sort((a, b) => a.index - b.index)
    .map((s) => ({
      index: s.index,
      name: s.name,
      location: s.location,
      source: s.source,
      cached: s.cached,
      entries: s.entries,
      sizeBytes: s.memberBytes,
      ms: s.ms,
    }));
}

function withImage(
  pipeline: Pipeline,
  ref: string,
  change: (image: PipelineImage) => PipelineImage,
): Pipeline {
  const at = pipeline.images.findIndex((i) => i.ref === ref);
  const images =
    at < 0
      ? [...pipeline.images, change({ ref, blobs: [] })]
      : pipeline.images.with(at, change(pipeline.images[at]!));
  return { ...pipeline, images };
}
