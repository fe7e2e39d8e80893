/**
 * The build log panel: appends new lines and updates coalesced ones in place (build-log.ts), and
 * keeps following the end unless the user scrolled up.
 */
import type { BuildLog, LogLine } from "./build-log.js";
import { h } from "./element.js";
import { formatClock } from "./format.js";

/** The log's list element and what it shows. */
export class LogView {
  readonly #container: HTMLElement;
  readonly #list = h("ol", { className: "log-lines" });
  readonly #rows = new Map<number, { line: LogLine; element: HTMLLIElement }>();

  constructor(container: HTMLElement) {
    this.#container = container;
    container.append(this.#list);
  }

  /** Shows `log`. */
  update(log: BuildLog): void {
    const scroller = this.#container;
    const following = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 24;
    const live = new Set<number>();
    for (const line of log.lines) {
      live.add(line.id);
      const row = this.#rows.get(line.id);
      if (row === undefined) {
        const element = lineElement(line);
        this.#list.append(element);
        this.#rows.set(line.id, { line, element });
      } else if (row.line !== line) {
        const element = lineElement(line);
        row.element.replaceWith(element);
        this.#rows.set(line.id, { line, element });
      }
    }
    for (const [id, row] of this.#rows) {
      if (!live.has(id)) {
        row.element.remove();
        this.#rows.delete(id);
      }
    }
    if (following) scroller.scrollTop = scroller.scrollHeight;
  }
}

function lineElement(line: LogLine): HTMLLIElement {
  return h(
    "li",
    { className: `log-line ${line.level}`, testid: "log-line", data: { level: line.level } },
    h("time", {}, formatClock(new Date(line.atMs))),
    h("span", { className: "text" }, line.text),
  );
}
