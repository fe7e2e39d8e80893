/** `h`, the page's one way of making DOM elements (no framework): a tag, a few properties, children. */

/** What `h` accepts as a child; null, undefined and false are skipped. */
export type Child = Node | string | number | null | undefined | false;

/** Properties `h` sets on an element. */
export interface ElementProps {
  readonly className?: string;
  readonly title?: string;
  /** `data-testid`, the hook browser tests use. */
  readonly testid?: string;
  /** `data-*` attributes, by name without the prefix. */
  readonly data?: Readonly<Record<string, string>>;
  /** Other attributes. */
  readonly attrs?: Readonly<Record<string, string>>;
  readonly onClick?: (event: MouseEvent) => void;
}

/** A new `<tag>` with `props` and `children`. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: ElementProps = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props.className !== undefined) element.className = props.className;
  if (props.title !== undefined) element.title = props.title;
  if (props.testid !== undefined) element.dataset.testid = props.testid;
  for (const [name, value] of Object.entries(props.data ?? {})) element.dataset[name] = value;
  for (const [name, value] of Object.entries(props.attrs ?? {})) element.setAttribute(name, value);
  if (props.onClick !== undefined) (element as HTMLElement).addEventListener("click", props.onClick);
  append(element, children);
  return element;
}

/** Appends `children` to `parent` (strings and numbers as text). */
export function append(parent: Element, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(typeof child === "number" ? String(child) : child);
  }
}

/** Replaces `parent`'s children with `children`. */
export function replaceChildren(parent: Element, children: readonly Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}
