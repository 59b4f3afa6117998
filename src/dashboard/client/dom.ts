/**
 * DOM and SVG nodes built from data, never from HTML strings, so exemplar
 * text cannot inject markup.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';

export type AttrValue = string | number | boolean | null | undefined | ((event: MouseEvent) => void);
/** Attributes; `text` sets textContent and `onclick` (a function) adds a click listener. */
export type Attrs = Record<string, AttrValue>;
export type Child = Node | string | number | null | undefined | false;
export type Children = Child | readonly Child[];

/** The element with this id, checked to be of the expected kind: a renamed id in page.tsx fails loudly here. */
export function byId(id: string): HTMLElement;
export function byId<T extends Element>(id: string, kind: abstract new () => T): T;
export function byId(id: string, kind: abstract new () => Element = HTMLElement): Element {
  const node = document.getElementById(id);
  if (!(node instanceof kind)) throw new Error(`dashboard: #${id} is missing or not a ${kind.name}`);
  return node;
}

/** The first element matching a selector, checked like byId. */
export function query(selector: string): HTMLElement;
export function query<T extends Element>(selector: string, kind: abstract new () => T): T;
export function query(selector: string, kind: abstract new () => Element = HTMLElement): Element {
  const node = document.querySelector(selector);
  if (!(node instanceof kind)) throw new Error(`dashboard: ${selector} is missing or not a ${kind.name}`);
  return node;
}

function setAttrs(node: Element, attrs: Attrs | undefined): void {
  if (!attrs) return;
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === 'function') {
      if (name === 'onclick') node.addEventListener('click', (event) => value(event as MouseEvent));
      continue;
    }
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') node.textContent = String(value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
}

function append(node: Node, children: Children | undefined): void {
  if (children === undefined || children === null || children === false) return;
  const list: readonly Child[] = Array.isArray(children) ? (children as readonly Child[]) : [children as Child];
  for (const child of list) {
    if (child === undefined || child === null || child === false) continue;
    node.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs, children?: Children): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  setAttrs(node, attrs);
  append(node, children);
  return node;
}

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs?: Attrs, children?: Children): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  setAttrs(node, attrs);
  append(node, children);
  return node;
}

export function clear<T extends Node>(node: T): T {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

/** The first tbody of a table, which page.tsx always renders. */
export function tableBody(tableId: string): HTMLTableSectionElement {
  const body = byId(tableId, HTMLTableElement).tBodies[0];
  if (!body) throw new Error(`dashboard: #${tableId} has no tbody`);
  return body;
}

export function setStatus(id: string, message: string, isError = false): void {
  const node = byId(id);
  node.textContent = message;
  node.classList.toggle('error', isError);
}
