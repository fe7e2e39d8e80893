/** The history panel: the last builds, newest first: #id, reason, status, elapsed, start time. */
import { type DevState, recentBuilds } from "./dev-state.js";
import { h, replaceChildren } from "./element.js";
import { formatClock, formatDuration } from "./format.js";

/** How many builds the panel lists. */
const SHOWN = 20;

/** Renders `state`'s history into `container` (the `history` test id). */
export function renderHistory(container: HTMLElement, state: DevState): void {
  const builds = recentBuilds(state, SHOWN);
  if (builds.length === 0) {
    replaceChildren(container, [h("p", { className: "empty" }, "No build yet.")]);
    return;
  }
  const rows = builds.map((b) => {
    const startedMs = Date.parse(b.startedAt);
    return h(
      "tr",
      { testid: "history-row", data: { id: String(b.id), status: b.status } },
      h("td", { className: "num" }, `#${b.id}`),
      h("td", { className: "reason", title: b.reason }, b.reason),
      h("td", {}, h("span", { className: `status ${b.status}` }, b.status)),
      h("td", { className: "num" }, b.elapsedMs === undefined ? "" : formatDuration(b.elapsedMs)),
      h("td", { className: "num" }, Number.isFinite(startedMs) ? formatClock(new Date(startedMs)) : ""),
    );
  });
  replaceChildren(container, [h("table", { className: "rows" }, h("tbody", {}, ...rows))]);
}
