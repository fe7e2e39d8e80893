/**
 * The problems panel: shown when the newest build is invalid (each problem as `file:line:col: message`
 * over the offending line and a caret under its column) or failed (its error). The VM of the last
 * good build is left running by the loop, and the panel says so.
 */
import type { ConfigProblem } from "../../src/protocol.js";
import { type DevState, latestBuild } from "./dev-state.js";
import { h, replaceChildren } from "./element.js";

/** Renders the problems of `state`'s newest build into `container` (hidden when there are none). */
export function renderProblems(container: HTMLElement, state: DevState): void {
  const build = latestBuild(state);
  if (build === undefined || (build.status !== "invalid" && build.status !== "failed")) {
    container.hidden = true;
    replaceChildren(container, []);
    return;
  }
  container.hidden = false;
  container.dataset.status = build.status;
  const vm = state.vm;
  const vmNote =
    vm.state === "running" || vm.state === "booting"
      ? `Nothing new was booted: the last good VM keeps running (build #${vm.buildId}).`
      : null;
  const title =
    build.status === "invalid"
      ? `Build #${build.id}: the configuration is invalid`
      : `Build #${build.id} failed`;
  const body =
    build.status === "invalid"
      ? h("ul", { className: "problem-list" }, ...(build.problems ?? []).map(problemItem))
      : h("pre", { className: "error", testid: "build-error" }, build.error ?? "unknown error");
  replaceChildren(container, [
    h("h2", {}, title),
    vmNote === null ? null : h("p", { className: "note", testid: "vm-keeps-running" }, vmNote),
    body,
  ]);
}

function problemItem(problem: ConfigProblem): HTMLLIElement {
  const where = `${problem.file}:${problem.line}:${problem.col}`;
  const source = problem.source;
  return h(
    "li",
    { testid: "problem", data: { file: problem.file, line: String(problem.line), col: String(problem.col) } },
    h("div", { className: "problem-message" }, `${where}: ${problem.message}`),
    source === undefined
      ? null
      : h("pre", { className: "source" }, `${source}\n${caretLine(source, problem.col)}`),
  );
}

/** A line with "^" under column `col` (1-based) of `source`, keeping its tabs so that they line up. */
function caretLine(source: string, col: number): string {
  const prefix = source.slice(0, Math.max(0, col - 1)).replace(/[^\t]/g, " ");
  return `${prefix}^`;
}
