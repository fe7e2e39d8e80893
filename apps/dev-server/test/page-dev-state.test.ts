import { describe, expect, it } from "vitest";
import {
  applyServerMessage,
  currentPipeline,
  type DevState,
  initialState,
  recentBuilds,
} from "../page/src/dev-state.js";
import { DevHub } from "../src/dev-hub.js";
import type { ServerMessage } from "../src/protocol.js";
import { blobEvent, build, event, hello, image, record, sectionEvent, T0 } from "./page-fixtures.js";

function run(messages: readonly ServerMessage[], from: DevState = initialState()): DevState {
  return messages.reduce((state, message, i) => applyServerMessage(state, message, T0 + i * 1000), from);
}

/** The pipeline as text rows, so that a failure is a readable diff. */
function pipelineRows(state: DevState): string[] {
  const view = currentPipeline(state);
  if (view === undefined) return [];
  return [
    `#${view.build.id} ${view.build.status} ${view.build.reason}`,
    ...view.pipeline.images.map(
      (i) => `image ${i.ref} ${i.blobs.map((b) => `${b.bytesDone}/${b.bytesTotal}`).join(" ")}`,
    ),
    ...view.sections.map(
      (s) => `section ${s.index} ${s.name} ${s.cached ? "cached" : "built"} ${s.sizeBytes}`,
    ),
    ...view.pipeline.outputs.map((o) => `output ${o.format} ${o.sizeBytes}`),
  ];
}

describe("applyServerMessage", () => {
  it("hello with no builds and no image gives an empty, ready state", () => {
    const state = run([hello()]);
    expect(state.ready).toBe(true);
    expect(state.files).toEqual(["linuxkit.yml"]);
    expect(state.image).toBeUndefined();
    expect(currentPipeline(state)).toBeUndefined();
    expect(recentBuilds(state, 10)).toEqual([]);
  });

  it("hello, running, section events out of order, outputs, succeeded: the pipeline rows", () => {
    const state = run([
      hello(),
      build(1, "running", { reason: "linuxkit.yml" }),
      event(1, { type: "resolve", ref: "linuxkit/init:v1", digest: "sha256:aa" }),
      event(1, blobEvent("linuxkit/init:v1", "sha256:b1", 10, 100)),
      event(1, blobEvent("linuxkit/init:v1", "sha256:b1", 100, 100)),
      event(1, sectionEvent(1, "files", false, 500)),
      event(1, sectionEvent(0, "init[0]", true, 2000)),
      event(1, { type: "output", format: "kernel+initrd", path: "out/x-initrd.img", sizeBytes: 3000, ms: 9 }),
      event(1, { type: "done", outputs: ["out/x-initrd.img"], elapsedMs: 1200 }),
      build(1, "succeeded", { reason: "linuxkit.yml", elapsedMs: 1300 }),
    ]);
    expect(pipelineRows(state)).toEqual([
      "#1 succeeded linuxkit.yml",
      "image linuxkit/init:v1 100/100",
      "section 0 init[0] cached 2000",
      "section 1 files built 500",
      "output kernel+initrd 3000",
    ]);
    expect(currentPipeline(state)?.pipeline.done?.elapsedMs).toBe(1200);
    expect(state.history).toHaveLength(1);
  });

  it("a page that connects after (or during) a build sees the pipeline one that was there sees", () => {
    const hub = new DevHub({ files: ["linuxkit.yml"] });
    const live: ServerMessage[] = [];
    hub.connect((text) => live.push(JSON.parse(text) as ServerMessage));
    const during: ServerMessage[] = [];
    const messages: ServerMessage[] = [
      build(1, "running"),
      event(1, sectionEvent(0, "init[0]", true)),
      build(1, "succeeded"),
      build(2, "running", { reason: "linuxkit.yml" }),
      event(2, { type: "resolve", ref: "linuxkit/init:v1", digest: "sha256:aa" }),
      ...[10, 50, 100].map((done) => event(2, blobEvent("linuxkit/init:v1", "sha256:b1", done, 100))),
      event(2, blobEvent("linuxkit/init:v1", "sha256:b2", 7, 7)),
      event(2, sectionEvent(1, "files", false, 500)),
      event(2, sectionEvent(0, "init[0]", true, 2000)),
      event(2, { type: "output", format: "kernel+initrd", path: "out/x-initrd.img", sizeBytes: 3000, ms: 9 }),
      event(2, { type: "done", outputs: ["out/x-initrd.img"], elapsedMs: 1200 }),
      build(2, "succeeded", { reason: "linuxkit.yml", elapsedMs: 1300 }),
    ];
    messages.forEach((message, i) => {
      hub.publish(message);
      if (i === 6) hub.connect((text) => during.push(JSON.parse(text) as ServerMessage));
    });
    const after: ServerMessage[] = [];
    hub.connect((text) => after.push(JSON.parse(text) as ServerMessage));
    const hello = after[0];
    // Pull progress is replayed as the last report per blob: 2 blobs, not 4 reports.
    expect(hello?.type === "hello" && hello.events?.events.filter((e) => e.type === "pull")).toHaveLength(2);
    const rows = pipelineRows(run(live));
    expect(rows).toEqual([
      "#2 succeeded linuxkit.yml",
      "image linuxkit/init:v1 100/100 7/7",
      "section 0 init[0] cached 2000",
      "section 1 files built 500",
      "output kernel+initrd 3000",
    ]);
    expect(pipelineRows(run(after))).toEqual(rows);
    expect(pipelineRows(run(during))).toEqual(rows);
  });

  it("a new build starts an empty pipeline; late events of the older build are ignored", () => {
    const state = run([
      hello(),
      build(1, "succeeded"),
      event(1, sectionEvent(0, "init[0]", false)),
      build(2, "running", { reason: "rebuild" }),
      event(2, sectionEvent(0, "init[0]", true)),
      event(1, sectionEvent(1, "late", false)),
    ]);
    expect(pipelineRows(state)).toEqual(["#2 running rebuild", "section 0 init[0] cached 1000"]);
  });

  it("an invalid build keeps its problems and becomes the current one; the VM is untouched", () => {
    const problems = [{ file: "a.yml", line: 3, col: 5, message: "unknown key", source: "  onbot:" }];
    const state = run([
      hello({ vm: { state: "running", buildId: 1, accel: "tcg" }, history: [{ ...build1Succeeded() }] }),
      build(2, "running"),
      build(2, "invalid", { problems }),
    ]);
    const view = currentPipeline(state);
    expect(view?.build.status).toBe("invalid");
    expect(view?.build.problems).toEqual(problems);
    expect(state.vm).toEqual({ state: "running", buildId: 1, accel: "tcg" });
    expect(recentBuilds(state, 10).map((b) => `${b.id} ${b.status}`)).toEqual(["2 invalid", "1 succeeded"]);
  });

  it("a build record is upserted by id", () => {
    const state = run([hello(), build(3, "running"), build(3, "failed", { error: "cannot pull" })]);
    expect(state.history).toEqual([record(3, "failed", { error: "cannot pull" })]);
  });

  it("sections come from the image summary when the build's events were missed (page connected later)", () => {
    const state = run([hello({ history: [build1Succeeded()], image: image(1) })]);
    const view = currentPipeline(state);
    expect(view?.sectionsFromImage).toBe(true);
    expect(pipelineRows(state)).toEqual([
      "#1 succeeded start",
      "section 0 init[0] cached 2000",
      "section 1 files built 500",
    ]);
  });

  it("an image message sets the image; a vm message the VM", () => {
    const state = run([
      hello(),
      { type: "image", image: image(4) },
      { type: "vm", vm: { state: "booting", buildId: 4, accel: "kvm" } },
    ]);
    expect(state.image?.buildId).toBe(4);
    expect(state.vm).toEqual({ state: "booting", buildId: 4, accel: "kvm" });
  });

  it("console bytes are not part of the state", () => {
    const before = run([hello({ console: btoa("login: ") })]);
    const after = applyServerMessage(before, { type: "console", data: btoa("root\r\n") }, T0);
    expect(after).toBe(before);
    expect(JSON.stringify(after)).not.toContain(btoa("login: "));
  });

  it("a fresh hello (reconnection) replaces the state but keeps the log", () => {
    const first = run([
      hello(),
      build(1, "running"),
      event(1, sectionEvent(0, "init[0]", false)),
      { type: "image", image: image(1) },
    ]);
    const second = applyServerMessage(
      first,
      hello({ files: ["b.yml"], history: [record(7, "succeeded")] }),
      T0 + 99_000,
    );
    expect(second.files).toEqual(["b.yml"]);
    expect(second.history.map((b) => b.id)).toEqual([7]);
    expect(second.pipeline).toBeUndefined();
    expect(second.image).toBeUndefined();
    expect(second.log.lines.length).toBe(first.log.lines.length + 1);
    expect(second.log.lines.at(-1)?.text).toBe("connected: watching b.yml; last build #7 succeeded");
  });
});

function build1Succeeded() {
  return record(1, "succeeded", { elapsedMs: 900 });
}
