import type { XoevHeader } from '@app/contracts';
import { decodeXmlInput, type XmlEncoding } from './xml-encoding.decoder.js';
import { decodeXmlAttributeValue, decodeXmlEntities } from './xml-entity.decoder.js';
import { xmlRefusal } from './xml.errors.js';
import { resolveXmlLimits, type XmlLimits } from './xml.limits.js';
import { JS_RENAMED_NAMES, scanXml, type ScannedAttribute, type XmlScanSink } from './xml.scanner.js';
import { ReadableTextCollector } from './xml-text.extractor.js';
import { ATTRIBUTES_KEY, CDATA_KEY, TEXT_KEY, type XmlOrderedNode, type XmlTree } from './xml.tree.js';
import { readXoevHeader, XOEV_HEADER_ELEMENTS } from './xoev-header.reader.js';

/** What the hardened checks learnt about a document that passed them (see screenXml). */
export interface XmlScreening {
  /** The decoded document, without a byte order mark. */
  text: string;
  /** How the bytes were decoded; absent for string input. */
  encoding?: XmlEncoding;
  /** Local name of the root element. */
  rootElement: string;
  rootPrefix?: string;
  /** Namespace URI of the root element. */
  namespace?: string;
  /** Namespaces in scope at the root element, by prefix; '' is the default namespace. */
  namespaces: Record<string, string>;
}

export interface XmlInspection extends XmlScreening {
  /** The document as an ordered tree: keeps document order and mixed content (see XmlOrderedNode). */
  tree: XmlTree;
  xoev?: XoevHeader;
  /** Things that were accepted but look wrong, e.g. a header contradicting the root element. */
  warnings: string[];
}

/** What readXmlHeaderAndText learns of a document: inspectXml's findings without the tree. */
export interface XmlHeaderAndText extends Pick<XmlScreening, 'rootElement' | 'namespace'> {
  /** The readable text, as extractText gives it for inspectXml's tree. */
  readableText: string;
  xoev?: XoevHeader;
  warnings: string[];
}

const RENAMED = new Set(JS_RENAMED_NAMES);

/** `toString` and friends become `__toString` as object keys (the tree view maps them back). */
function keyOf(name: string): string {
  // They all start with 'h', 't', 'v' or '_': most names need no set look-up.
  const first = name.charCodeAt(0);
  if (first !== 0x68 && first !== 0x74 && first !== 0x76 && first !== 0x5f) return name;
  return RENAMED.has(name) ? `__${name}` : name;
}

/** XML 1.0 §2.11: CR LF and a lone CR are read as LF. */
function normaliseLineEnds(raw: string): string {
  return raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw;
}

interface OrderedTreeOptions {
  /** Which children of the root element (by local name) the tree holds; the root itself always. Default: all. */
  keepRootChild?: (localName: string) => boolean;
  /** Hears the value of every text node and CDATA section in document order, those left out of the tree too. */
  onValue?: (value: string) => void;
}

/** Stands for the content of an element left out of the tree: what would go into it is dropped. */
const LEFT_OUT: XmlTree = [];

/**
 * Builds the ordered tree while the scanner checks the document, in the shape fast-xml-parser's
 * ordered output has (`preserveOrder`, values trimmed, kept as strings, CDATA apart, comments and
 * processing instructions left out), which is what tree readers here and in the connectors expect.
 * Text runs are joined across comments and end at tags, CDATA sections and processing instructions.
 */
class OrderedTreeBuilder implements XmlScanSink {
  readonly tree: XmlTree = [];
  private readonly open: XmlTree[] = [];
  private pending = '';

  constructor(private readonly options: OrderedTreeOptions = {}) {}

  startElement(name: string, attributes: readonly ScannedAttribute[], selfClosing: boolean): void {
    const parent = this.open.length > 0 ? this.open[this.open.length - 1]! : this.tree;
    this.flushText(parent);
    const { keepRootChild } = this.options;
    // open.length 1: the parent is the root element.
    if (parent === LEFT_OUT || (keepRootChild && this.open.length === 1 && !keepRootChild(name.slice(name.indexOf(':') + 1)))) {
      if (!selfClosing) this.open.push(LEFT_OUT);
      return;
    }
    const children: XmlTree = [];
    // Assigned, not a computed key in the literal: V8 builds such literals on a much slower path.
    const node: XmlOrderedNode = {};
    node[keyOf(name)] = children;
    if (attributes.length > 0) {
      const values: Record<string, string> = {};
      for (const attribute of attributes) values[keyOf(attribute.name)] = decodeXmlAttributeValue(attribute.value.trim());
      node[ATTRIBUTES_KEY] = values;
    }
    parent.push(node);
    if (!selfClosing) this.open.push(children);
  }

  endElement(): void {
    this.flushText(this.open.pop()!);
  }

  text(raw: string): void {
    this.pending += raw;
  }

  cdata(raw: string): void {
    const current = this.open[this.open.length - 1]!;
    this.flushText(current);
    const value = normaliseLineEnds(raw);
    this.options.onValue?.(value);
    if (current !== LEFT_OUT) current.push({ [CDATA_KEY]: [{ [TEXT_KEY]: value }] });
  }

  processingInstruction(): void {
    this.flushText(this.open[this.open.length - 1]!);
  }

  /**
   * Trimmed first, then decoded: a reference to a space at either end stays. Trimming before the
   * line ends are normalised gives the same (CR and LF are both trimmed) and spares blank runs.
   */
  private flushText(into: XmlTree): void {
    if (this.pending === '') return;
    const value = this.pending.trim();
    this.pending = '';
    if (value === '') return;
    const decoded = decodeXmlEntities(normaliseLineEnds(value));
    this.options.onValue?.(decoded);
    if (into !== LEFT_OUT) into.push({ [TEXT_KEY]: decoded });
  }
}

/**
 * The hardened checks of untrusted XML without building a tree: size, encoding, DOCTYPE,
 * well-formedness, namespaces, depth and attribute count. Refuses as inspectXml does.
 */
export function screenXml(input: Buffer | Uint8Array | string, limits?: Partial<XmlLimits>): XmlScreening {
  return screen(input, resolveXmlLimits(limits));
}

function screen(input: Buffer | Uint8Array | string, resolved: XmlLimits, sink?: XmlScanSink): XmlScreening {
  const isText = typeof input === 'string';
  if ((isText ? input.length : input.byteLength) === 0) throw xmlRefusal('empty', 'XML input is empty');
  // A string has at least as many UTF-8 bytes as UTF-16 units: the cheap length settles most oversize strings.
  const size = isText ? (input.length > resolved.maxBytes ? input.length : Buffer.byteLength(input, 'utf8')) : input.byteLength;
  if (size > resolved.maxBytes) throw xmlRefusal('too-large', `XML input has ${size} bytes; at most ${resolved.maxBytes} are accepted`);

  const decoded = decodeXmlInput(input);
  if (decoded.text.trim() === '') throw xmlRefusal('empty', 'XML input is empty (only whitespace)');
  const scan = scanXml(decoded.text, resolved, sink);
  const screening: XmlScreening = { text: decoded.text, rootElement: scan.rootLocalName, namespaces: scan.namespaces };
  if (decoded.encoding) screening.encoding = decoded.encoding;
  if (scan.rootPrefix !== undefined) screening.rootPrefix = scan.rootPrefix;
  if (scan.rootNamespace !== undefined) screening.namespace = scan.rootNamespace;
  return screening;
}

/**
 * Reads untrusted XML safely: size, encoding, DOCTYPE, well-formedness, depth and attribute count
 * are checked in one pass that also builds the tree, so no other parser sees the text. Every refusal
 * is an InputError with a code ('empty', 'too-large', 'encoding', 'doctype', 'not-xml', 'too-deep',
 * 'too-many-attributes', 'reserved-name') and a message that names the problem and, where known,
 * its line and column.
 */
export function inspectXml(input: Buffer | Uint8Array | string, limits?: Partial<XmlLimits>): XmlInspection {
  const builder = new OrderedTreeBuilder();
  const screening = screen(input, resolveXmlLimits(limits), builder);
  const warnings: string[] = [];
  const inspection: XmlInspection = { ...screening, tree: builder.tree, warnings };
  const xoev = readXoevHeader(builder.tree, (message) => warnings.push(message));
  if (xoev) inspection.xoev = xoev;
  return inspection;
}

/**
 * inspectXml's checks and refusals with only what intake needs: the readable text (what extractText
 * gives for inspectXml's tree) and the XÖV header. The tree is built for the root element and the
 * header's elements only, so the text costs little more than the checks.
 */
export function readXmlHeaderAndText(input: Buffer | Uint8Array | string, limits?: Partial<XmlLimits>): XmlHeaderAndText {
  const text = new ReadableTextCollector();
  const builder = new OrderedTreeBuilder({ keepRootChild: (localName) => XOEV_HEADER_ELEMENTS.includes(localName), onValue: (value) => text.add(value) });
  const screening = screen(input, resolveXmlLimits(limits), builder);
  const warnings: string[] = [];
  const reading: XmlHeaderAndText = { rootElement: screening.rootElement, readableText: text.toString(), warnings };
  if (screening.namespace !== undefined) reading.namespace = screening.namespace;
  const xoev = readXoevHeader(builder.tree, (message) => warnings.push(message));
  if (xoev) reading.xoev = xoev;
  return reading;
}
