import { describe, expect, it } from "vitest";
import { appendLog, emptyLog, noteBuild, noteBuildEvent } from "../page/src/build-log.js";
import { applyServerMessage, type DevState, initialState } from "../page/src/dev-state.js";
import type { ServerMessage } from "../src/protocol.js";
import { blobEvent, build, event, hello, sectionEvent, T0 } from "./page-fixtures.js";

function run(messages: readonly ServerMessage[]): DevState {
  return messages.reduce(
    (state, message, i) => applyServerMessage(state, message, T0 + i * 1000),
    initialState(),
  );
}

describe("the build log", () => {
  it("has one line per status change, event and warning; pull progress is one line per blob", () => {
    const state = run([
      hello(),
      build(1, "running", { reason: "a.yml" }),
      build(1, "running", { reason: "a.yml" }),
      event(1, blobEvent("alpine:3", "sha256:b1", 0, 2048)),
      event(1, blobEvent("alpine:3", "sha256:b2", 0, 1024)),
      event(1, blobEvent("alpine:3", "sha256:b1", 1024, 2048)),
      event(1, blobEvent("alpine:3", "sha256:b1", 2048, 2048)),
      event(1, sectionEvent(0, "init[0]", true)),
      event(1, { type: "warning", code: "BUILD_X", message: "odd", at: { file: "a.yml", line: 2, col: 1 } }),
      build(1, "succeeded", { elapsedMs: 1500 }),
      { type: "vm", vm: { state: "booting", buildId: 1, accel: "tcg" } },
    ]);
    expect(state.log.lines.map((l) => `${l.level} ${l.text}`)).toEqual([
      "info connected: watching linuxkit.yml; no build yet",
      "info build #1 started (a.yml)",
      "info alpine:3: blob sha256:b1 2.0 KiB pulled",
      "info alpine:3: blob sha256:b2 0 B / 1.0 KiB",
      "info section init[0] cached: 3 entries, 1000 B, 5 ms",
      "warn warning BUILD_X: a.yml:2:1: odd",
      "ok build #1 succeeded in 1.5 s",
      "info VM of build #1 booting (tcg)",
    ]);
    // The coalesced line keeps its place and id, and takes the time of its last update.
    const blob = state.log.lines[2]!;
    expect(blob.id).toBe(3);
    expect(blob.atMs).toBe(T0 + 6000);
  });

  it("an invalid build's line names its first problem", () => {
    const problems = [
      { file: "a.yml", line: 3, col: 5, message: "unknown key" },
      { file: "a.yml", line: 9, col: 1, message: "bad" },
    ];
    expect(
      noteBuild({ id: 2, startedAt: "", reason: "a.yml", status: "invalid", problems }, undefined),
    ).toEqual([{ level: "error", text: "build #2 invalid: a.yml:3:5: unknown key (and 1 more)" }]);
  });

  it("keeps the last lines only", () => {
    const notes = Array.from({ length: 5 }, (_, i) => ({ level: "info" as const, text: `l${i}` }));
    const log = appendLog(emptyLog(), notes, T0, 3);
    expect(log.lines.map((l) => l.text)).toEqual(["l2", "l3", "l4"]);
    expect(log.nextId).toBe(6);
  });

  it("describes outputs and the end of a build", () => {
    expect(
      noteBuildEvent(4, { type: "output", format: "iso-bios", path: "out/a.iso", sizeBytes: 2048, ms: 1500 }),
    ).toEqual([{ level: "info", text: "wrote iso-bios out/a.iso (2.0 KiB) in 1.5 s" }]);
    expect(noteBuildEvent(4, { type: "done", outputs: [], elapsedMs: 300 })).toEqual([
      { level: "info", text: "build #4 done in 300 ms" },
    ]);
  });
});
