/**
 * The image explorer: what the last successful build made — kernel, initrd, microcode and cmdline; its
 * sections; the sizes per image ("what each image adds"); and the initrd as a tree. The tree renders a
 * directory's children only when it is expanded, and long directories a page at a time, so that big
 * images stay responsive. Expanded directories stay expanded when a new image arrives.
 */
import type { ImageSection, ImageSummary } from "../../src/protocol.js";
import { h, replaceChildren } from "./element.js";
import { formatBytes, formatDuration, formatMode } from "./format.js";
import { buildImageTree, findNodes, sizesBySource, type TreeNode } from "./image-tree.js";

/** Rows rendered at a time in one directory, or in the filter's results. */
const PAGE = 300;

/** The explorer panel. */
export class ExplorerView {
  readonly #container: HTMLElement;
  readonly #expanded = new Set<string>();
  #image: ImageSummary | undefined;
  #root: TreeNode | undefined;
  #sectionNames = new Map<number, string>();
  readonly #filter = h("input", {
    className: "filter",
    testid: "explorer-filter",
    attrs: { type: "search", placeholder: "filter paths…", spellcheck: "false" },
  });
  readonly #tree = h("div", { className: "tree", testid: "explorer-tree" });
  #filterTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(container: HTMLElement) {
    this.#container = container;
    this.#filter.addEventListener("input", () => {
      if (this.#filterTimer !== undefined) clearTimeout(this.#filterTimer);
      this.#filterTimer = setTimeout(() => this.#renderTree(), 150);
    });
    this.#render();
  }

  /** Shows `image` (re-renders only when it is a different summary). */
  update(image: ImageSummary | undefined): void {
    if (image === this.#image) return;
    this.#image = image;
    this.#root = image === undefined ? undefined : buildImageTree(image.entries);
    this.#sectionNames = new Map(image?.sections.map((s) => [s.index, s.name]) ?? []);
    this.#render();
  }

  #render(): void {
    const image = this.#image;
    if (image === undefined) {
      delete this.#container.dataset.buildId;
      replaceChildren(this.#container, [
        h("p", { className: "empty" }, "No image yet: it appears after a successful build."),
      ]);
      return;
    }
    this.#container.dataset.buildId = String(image.buildId);
    replaceChildren(this.#container, [
      totals(image),
      h(
        "details",
        { className: "block", attrs: { open: "" } },
        h("summary", {}, "Sections"),
        sectionsTable(image.sections),
      ),
      h(
        "details",
        { className: "block", attrs: { open: "" } },
        h("summary", {}, "What each image adds"),
        sourcesTable(image),
      ),
      h(
        "div",
        { className: "block" },
        h("div", { className: "tree-head" }, h("span", {}, "initrd"), this.#filter),
        this.#tree,
      ),
    ]);
    this.#renderTree();
  }

  #renderTree(): void {
    const root = this.#root;
    if (root === undefined) return;
    const query = this.#filter.value.trim();
    if (query !== "") {
      const found = findNodes(root, query, PAGE + 1);
      replaceChildren(this.#tree, [
        ...found.slice(0, PAGE).map((node) => this.#row(node, 0, node.path)),
        found.length > PAGE
          ? h("div", { className: "more" }, `only the first ${PAGE} matches are shown`)
          : null,
        found.length === 0 ? h("div", { className: "empty" }, "no path matches") : null,
      ]);
      return;
    }
    const rootRow = this.#row(root, 0, "/");
    const children = h("div", { className: "children" });
    replaceChildren(this.#tree, [rootRow, children]);
    this.#fillChildren(children, root, 1, 0);
  }

  /** Appends rows for `node`'s children from `start` on (a page of them, then a "more" row). */
  #fillChildren(into: HTMLElement, node: TreeNode, depth: number, start: number): void {
    const end = Math.min(node.children.length, start + PAGE);
    for (const child of node.children.slice(start, end)) {
      into.append(this.#row(child, depth, child.name));
      if (child.isDir) {
        const box = h("div", { className: "children" });
        into.append(box);
        if (this.#expanded.has(child.path)) this.#fillChildren(box, child, depth + 1, 0);
        else box.hidden = true;
      }
    }
    if (end < node.children.length) {
      const more = h(
        "div",
        { className: "more", attrs: { style: `padding-left: ${depth * 14 + 18}px` } },
        `show ${Math.min(PAGE, node.children.length - end)} more of ${node.children.length - end}…`,
      );
      more.addEventListener("click", () => {
        more.remove();
        this.#fillChildren(into, node, depth, end);
      });
      into.append(more);
    }
  }

  #row(node: TreeNode, depth: number, label: string): HTMLElement {
    const entry = node.entry;
    const type = entry?.type ?? "dir";
    const section = entry === undefined ? "" : (this.#sectionNames.get(entry.section) ?? `#${entry.section}`);
    const target =
      entry?.target === undefined
        ? null
        : h(
            "span",
            { className: "target" },
            type === "symlink" ? ` → ${entry.target}` : ` ⇒ ${entry.target}`,
          );
    const size =
      node.isDir || type === "file" || type === "hardlink"
        ? formatBytes(node.isDir ? node.totalBytes : (entry?.size ?? 0))
        : "";
    const count = node.isDir ? h("span", { className: "count" }, ` ${node.fileCount} files`) : null;
    const row = h(
      "div",
      {
        className: `tree-row ${type}`,
        testid: "tree-row",
        data: { path: node.path, type },
        attrs: { style: `padding-left: ${depth * 14}px` },
      },
      h(
        "span",
        { className: "twisty" },
        node.isDir && depth > 0 ? (this.#expanded.has(node.path) ? "▾" : "▸") : "",
      ),
      h("span", { className: "tree-name", title: node.path || "/" }, label, target, count),
      h("span", { className: "mode" }, entry === undefined ? "" : formatMode(type, entry.mode)),
      h("span", { className: "owner" }, entry === undefined ? "" : `${entry.uid}:${entry.gid}`),
      h("span", { className: "size" }, size),
      h("span", { className: "from", title: section }, section),
    );
    if (node.isDir && depth > 0) row.addEventListener("click", () => this.#toggle(row, node, depth));
    return row;
  }

  #toggle(row: HTMLElement, node: TreeNode, depth: number): void {
    const box = row.nextElementSibling;
    if (!(box instanceof HTMLElement) || !box.classList.contains("children")) return;
    const twisty = row.querySelector(".twisty");
    if (this.#expanded.has(node.path)) {
      this.#expanded.delete(node.path);
      box.hidden = true;
      if (twisty !== null) twisty.textContent = "▸";
      return;
    }
    this.#expanded.add(node.path);
    if (box.childElementCount === 0) this.#fillChildren(box, node, depth + 1, 0);
    box.hidden = false;
    if (twisty !== null) twisty.textContent = "▾";
  }
}

function totals(image: ImageSummary): HTMLElement {
  const item = (label: string, value: string, testid: string) =>
    h(
      "div",
      { className: "total", testid },
      h("span", { className: "label" }, label),
      h("span", { className: "value" }, value),
    );
  return h(
    "div",
    { className: "totals", testid: "explorer-totals" },
    item("build", `#${image.buildId}`, "total-build"),
    item("kernel", formatBytes(image.kernelBytes), "total-kernel"),
    item("initrd", formatBytes(image.initrdBytes), "total-initrd"),
    item("ucode", image.ucodeBytes === 0 ? "none" : formatBytes(image.ucodeBytes), "total-ucode"),
    h(
      "div",
      { className: "total cmdline", testid: "total-cmdline" },
      h("span", { className: "label" }, "cmdline"),
      h("code", { className: "value", title: image.cmdline }, image.cmdline || "(empty)"),
    ),
  );
}

function sectionsTable(sections: readonly ImageSection[]): HTMLElement {
  const rows = [...sections]
    .sort((a, b) => a.index - b.index)
    .map((s) =>
      h(
        "tr",
        { testid: "explorer-section-row", data: { name: s.name, cached: String(s.cached) } },
        h("td", { className: "num" }, s.index),
        h("td", { className: "name", title: `${s.location} from ${s.source}` }, s.name),
        h("td", { className: "num" }, formatBytes(s.memberBytes)),
        h("td", { className: "num" }, formatBytes(s.contentBytes)),
        h("td", { className: "num" }, s.entries),
        h("td", { className: s.cached ? "cached" : "built" }, s.cached ? "cached" : "built"),
        h("td", { className: "num" }, formatDuration(s.ms)),
      ),
    );
  return h(
    "table",
    { className: "rows", testid: "explorer-sections" },
    h("thead", {}, header(["#", "section", "member", "content", "entries", "", "time"])),
    h("tbody", {}, ...rows),
  );
}

function sourcesTable(image: ImageSummary): HTMLElement {
  const sources = sizesBySource(image.sections);
  const rows = sources.map((s) =>
    h(
      "tr",
      { testid: "source-row", data: { source: s.source } },
      h("td", { className: "name", title: s.sections.join(", ") }, s.source),
      h("td", { className: "num" }, formatBytes(s.memberBytes)),
      h(
        "td",
        { className: "num" },
        image.initrdBytes > 0 ? `${((100 * s.memberBytes) / image.initrdBytes).toFixed(1)}%` : "",
      ),
      h("td", { className: "num" }, formatBytes(s.contentBytes)),
      h("td", { className: "num" }, s.entries),
    ),
  );
  return h(
    "table",
    { className: "rows", testid: "explorer-sources" },
    h("thead", {}, header(["image", "member", "of initrd", "content", "entries"])),
    h("tbody", {}, ...rows),
  );
}

function header(labels: readonly string[]): HTMLTableRowElement {
  return h("tr", {}, ...labels.map((label) => h("th", {}, label)));
}
