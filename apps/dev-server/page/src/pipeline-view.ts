/**
 * The pipeline panel: the newest build (id, reason, status, elapsed) and its rows — images resolved
 * and pulled, sections in initrd order, outputs, warnings.
 */
import type { BuildRecord } from "../../src/protocol.js";
import { currentPipeline, type DevState } from "./dev-state.js";
import { h, replaceChildren } from "./element.js";
import { formatBytes, formatClock, formatDuration, shortDigest } from "./format.js";
import { imageProgress, type PipelineImage } from "./pipeline.js";

/** Renders the pipeline of `state`'s newest build into `container` (the `pipeline` test id). */
export function renderPipeline(container: HTMLElement, state: DevState, nowMs: number): void {
  const view = currentPipeline(state);
  if (view === undefined) {
    delete container.dataset.buildId;
    delete container.dataset.status;
    replaceChildren(container, [
      h("p", { className: "empty" }, state.ready ? "No build yet." : "Connecting…"),
    ]);
    return;
  }
  const { build, pipeline, sections } = view;
  container.dataset.buildId = String(build.id);
  container.dataset.status = build.status;
  const rows: HTMLTableRowElement[] = [
    ...pipeline.images.map(imageRow),
    ...sections.map((s) =>
      h(
        "tr",
        { testid: "section-row", data: { name: s.name, cached: String(s.cached), index: String(s.index) } },
        h("td", { className: "kind" }, "section"),
        h("td", { className: "name", title: `${s.location} from ${s.source}` }, s.name),
        h("td", { className: s.cached ? "cached" : "built" }, s.cached ? "cached" : "built"),
        h("td", { className: "num" }, `${s.entries} entries`),
        h("td", { className: "num" }, formatBytes(s.sizeBytes)),
        h("td", { className: "num" }, formatDuration(s.ms)),
      ),
    ),
    ...pipeline.outputs.map((o) =>
      h(
        "tr",
        { testid: "output-row", data: { format: o.format } },
        h("td", { className: "kind" }, "output"),
        h("td", { className: "name" }, o.format),
        h("td", { className: "path", title: o.path }, o.path),
        h("td"),
        h("td", { className: "num" }, formatBytes(o.sizeBytes)),
        h("td", { className: "num" }, formatDuration(o.ms)),
      ),
    ),
    ...pipeline.warnings.map((w) =>
      h(
        "tr",
        { testid: "warning-row", className: "warn" },
        h("td", { className: "kind" }, "warning"),
        h("td", { className: "name" }, w.code),
        h(
          "td",
          { className: "message", attrs: { colspan: "4" } },
          w.where ? `${w.where}: ${w.message}` : w.message,
        ),
      ),
    ),
  ];
  replaceChildren(container, [
    summary(build, nowMs),
    rows.length > 0
      ? h("table", { className: "rows" }, h("tbody", {}, ...rows))
      : h("p", { className: "empty" }, emptyNote(build)),
    view.sectionsFromImage
      ? h(
          "p",
          { className: "note" },
          "Sections from the image summary (the build ran before this page connected).",
        )
      : null,
    pipeline.done
      ? h(
          "p",
          { className: "note" },
          `Done in ${formatDuration(pipeline.done.elapsedMs)}: ${pipeline.done.outputs.join(", ")}`,
        )
      : null,
  ]);
}

function summary(build: BuildRecord, nowMs: number): HTMLElement {
  const startedMs = Date.parse(build.startedAt);
  const elapsedMs =
    build.elapsedMs ??
    (build.status === "running" && Number.isFinite(startedMs) ? nowMs - startedMs : undefined);
  return h(
    "div",
    { className: "summary" },
    h("span", { className: "build-id" }, `#${build.id}`),
    h("span", { className: `status ${build.status}`, testid: "pipeline-status" }, build.status),
    h("span", { className: "reason", title: build.reason }, build.reason),
    elapsedMs === undefined ? null : h("span", { className: "elapsed" }, formatDuration(elapsedMs)),
    Number.isFinite(startedMs)
      ? h("span", { className: "time" }, `started ${formatClock(new Date(startedMs))}`)
      : null,
  );
}

function imageRow(image: PipelineImage): HTMLTableRowElement {
  const { bytesDone, bytesTotal } = imageProgress(image);
  const allCached = image.blobs.length > 0 && image.blobs.every((b) => b.cached);
  const pulling = bytesTotal > 0 && bytesDone < bytesTotal;
  const state =
    image.blobs.length === 0
      ? (image.from ?? "resolved")
      : allCached
        ? "cached"
        : pulling
          ? "pulling"
          : "pulled";
  const size =
    bytesTotal === 0
      ? ""
      : pulling
        ? `${formatBytes(bytesDone)} / ${formatBytes(bytesTotal)}`
        : formatBytes(bytesTotal);
  const row = h(
    "tr",
    { testid: "image-row", data: { ref: image.ref, state } },
    h("td", { className: "kind" }, "image"),
    h("td", { className: "name", title: image.digest ?? "" }, image.ref),
    h("td", {}, state),
    h("td", { className: "num" }, image.digest ? shortDigest(image.digest) : ""),
    h("td", { className: "num" }, size),
    h("td", { className: "num" }, `${image.blobs.length} blobs`),
  );
  if (pulling) row.style.setProperty("--progress", `${Math.floor((100 * bytesDone) / bytesTotal)}%`);
  row.classList.toggle("progress", pulling);
  return row;
}

function emptyNote(build: BuildRecord): string {
  switch (build.status) {
    case "running":
      return "No events yet.";
    case "invalid":
      return "Nothing was built: the configuration did not load.";
    default:
      return "No events (the build ran before this page connected).";
  }
}
