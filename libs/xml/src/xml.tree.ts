import { JS_RENAMED_NAMES, XML_NAMESPACE } from './xml.scanner.js';

/**
 * One node of the ordered tree inspectXml builds, in the shape of fast-xml-parser's ordered output
 * (`preserveOrder: true`), which earlier versions used and readers expect: an element is
 * `{ [qualifiedName]: XmlTree, ':@'?: { [attributeName]: value } }`, text is `{ '#text': string }`,
 * a CDATA section `{ '#cdata': [{ '#text': string }] }`. Entities are already decoded.
 */
export type XmlOrderedNode = Record<string, unknown>;
export type XmlTree = XmlOrderedNode[];

export const TEXT_KEY = '#text';
export const CDATA_KEY = '#cdata';
export const ATTRIBUTES_KEY = ':@';

/** A namespace-resolved view of an element, for code that must match by namespace URI, not by prefix. */
export interface XmlElement {
  /** The qualified name as written, e.g. `xdomea:Kopf`. */
  name: string;
  prefix?: string;
  localName: string;
  namespace?: string;
  /** By qualified name as written, values decoded. */
  attributes: Record<string, string>;
  readonly children: readonly XmlContent[];
}

export interface XmlText {
  text: string;
  cdata: boolean;
}

export type XmlContent = XmlElement | XmlText;

export function isXmlElement(content: XmlContent): content is XmlElement {
  return !('text' in content);
}

const RENAMED = new Map(JS_RENAMED_NAMES.map((name) => [`__${name}`, name]));

/** The tree holds `toString` and friends as `__toString`; the scanner refuses literal `__toString`, so this is exact. */
function originalName(key: string): string {
  return RENAMED.get(key) ?? key;
}

/** The element key of an ordered node, or undefined for text, CDATA and other non-element nodes. */
export function elementKeyOf(node: XmlOrderedNode): string | undefined {
  // for...in, not Object.keys: no array per node (the tree's nodes are plain objects with own keys only).
  for (const key in node) {
    if (key !== ATTRIBUTES_KEY && key !== TEXT_KEY && key !== CDATA_KEY && !key.startsWith('?')) return key;
  }
  return undefined;
}

type Scope = ReadonlyMap<string, string>;

/**
 * The namespace-resolved view of the root element. Children are built on first access, so reading a
 * header near the top of a 10 MiB message does not walk the whole document.
 */
export function documentElement(tree: XmlTree): XmlElement | undefined {
  const rootNode = tree.find((node) => elementKeyOf(node) !== undefined);
  return rootNode ? new LazyXmlElement(rootNode, new Map([['xml', XML_NAMESPACE]])) : undefined;
}

class LazyXmlElement implements XmlElement {
  readonly name: string;
  readonly prefix?: string;
  readonly localName: string;
  readonly namespace?: string;
  readonly attributes: Record<string, string> = {};
  private readonly scope: Scope;
  private content: XmlContent[] | undefined;

  constructor(
    private readonly node: XmlOrderedNode,
    parentScope: Scope,
    /** The node's element key, where the caller knows it already. */
    private readonly key = elementKeyOf(node)!,
  ) {
    this.name = originalName(key);
    let scope: Map<string, string> | undefined;
    const attributes = node[ATTRIBUTES_KEY] as Record<string, unknown> | undefined;
    for (const rawName in attributes) {
      const attributeName = originalName(rawName);
      const text = String(attributes[rawName]);
      this.attributes[attributeName] = text;
      if (attributeName === 'xmlns' || attributeName.startsWith('xmlns:')) {
        scope ??= new Map(parentScope);
        scope.set(attributeName === 'xmlns' ? '' : attributeName.slice(6), text);
      }
    }
    this.scope = scope ?? parentScope;
    const colon = this.name.indexOf(':');
    this.localName = colon === -1 ? this.name : this.name.slice(colon + 1);
    if (colon !== -1) this.prefix = this.name.slice(0, colon);
    // An empty default namespace (xmlns="") means no namespace.
    const namespace = this.scope.get(this.prefix ?? '');
    if (namespace) this.namespace = namespace;
  }

  get children(): XmlContent[] {
    if (this.content) return this.content;
    const content: XmlContent[] = [];
    const nodes = this.node[this.key];
    for (const child of Array.isArray(nodes) ? (nodes as XmlTree) : []) {
      if (typeof child[TEXT_KEY] === 'string') content.push({ text: child[TEXT_KEY], cdata: false });
      else if (Array.isArray(child[CDATA_KEY])) {
        content.push({ text: (child[CDATA_KEY] as XmlTree).map((part) => String(part[TEXT_KEY] ?? '')).join(''), cdata: true });
      } else {
        const key = elementKeyOf(child);
        if (key !== undefined) content.push(new LazyXmlElement(child, this.scope, key));
      }
    }
    this.content = content;
    return content;
  }

  /**
   * The first child element with this local name and one of these namespaces. Children whose name
   * does not match are not turned into elements: reading a header near the top of a large message
   * then looks at the tree, not at a view of every child.
   */
  firstChild(localName: string, namespaces?: ReadonlyArray<string | undefined>): XmlElement | undefined {
    if (this.content) return this.content.find((child): child is XmlElement => isXmlElement(child) && matches(child, localName, namespaces));
    const nodes = this.node[this.key];
    for (const child of Array.isArray(nodes) ? (nodes as XmlTree) : []) {
      const key = elementKeyOf(child);
      if (key === undefined || typeof child[TEXT_KEY] === 'string' || Array.isArray(child[CDATA_KEY])) continue;
      const name = originalName(key);
      if (name.slice(name.indexOf(':') + 1) !== localName) continue;
      const element = new LazyXmlElement(child, this.scope, key);
      if (matches(element, localName, namespaces)) return element;
    }
    return undefined;
  }

  /** Plain data for test output and logs; the lazy internals are no business of theirs. */
  toJSON(): object {
    const { name, prefix, localName, namespace, attributes, children } = this;
    return { name, prefix, localName, namespace, attributes, children };
  }
}

/** Child elements with this local name whose namespace is one of `namespaces` (undefined = no namespace). */
export function childElements(element: XmlElement, localName?: string, namespaces?: ReadonlyArray<string | undefined>): XmlElement[] {
  return element.children.filter((child): child is XmlElement => isXmlElement(child) && matches(child, localName, namespaces));
}

function matches(element: XmlElement, localName: string | undefined, namespaces: ReadonlyArray<string | undefined> | undefined): boolean {
  return (localName === undefined || element.localName === localName) && (namespaces === undefined || namespaces.includes(element.namespace));
}

export function firstChildElement(element: XmlElement | undefined, localName: string, namespaces?: ReadonlyArray<string | undefined>): XmlElement | undefined {
  if (element instanceof LazyXmlElement) return element.firstChild(localName, namespaces);
  return element ? childElements(element, localName, namespaces)[0] : undefined;
}

/** All text below an element in document order, pieces joined by a space, trimmed; undefined when empty. */
export function textContent(element: XmlElement | undefined): string | undefined {
  if (!element) return undefined;
  const pieces: string[] = [];
  const work: XmlContent[] = [element];
  for (let item = work.pop(); item; item = work.pop()) {
    if (isXmlElement(item)) {
      for (let i = item.children.length - 1; i >= 0; i--) work.push(item.children[i]!);
    } else {
      const piece = item.text.trim();
      if (piece) pieces.push(piece);
    }
  }
  const text = pieces.join(' ');
  return text === '' ? undefined : text;
}
