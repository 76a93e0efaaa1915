import { XMLParser, type X2jOptions } from 'fast-xml-parser';
import type { XoevHeader } from '@app/contracts';
import { decodeXmlInput, type XmlEncoding } from './xml-encoding.decoder.js';
import { decodeXmlAttributeValue, decodeXmlEntities } from './xml-entity.decoder.js';
import { xmlRefusal } from './xml.errors.js';
import { resolveXmlLimits, type XmlLimits } from './xml.limits.js';
import { scanXml } from './xml.scanner.js';
import { ATTRIBUTES_KEY, CDATA_KEY, TEXT_KEY, type XmlOrderedNode, type XmlTree } from './xml.tree.js';
import { readXoevHeader } from './xoev-header.reader.js';

export interface XmlInspection {
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
  /** fast-xml-parser's ordered output: keeps document order and mixed content (see XmlOrderedNode). */
  tree: XmlTree;
  xoev?: XoevHeader;
  /** Things that were accepted but look wrong, e.g. a header contradicting the root element. */
  warnings: string[];
}

function parserOptions(limits: XmlLimits): X2jOptions {
  return {
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    // Values stay strings: '0501' is a code, not the number 501.
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    // Entities are decoded afterwards from the five predefined ones and character references only;
    // the scanner has refused DOCTYPEs, so there is nothing else to expand anyway.
    processEntities: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    cdataPropName: CDATA_KEY,
    commentPropName: false,
    maxNestedTags: limits.maxDepth + 1,
  };
}

/**
 * Reads untrusted XML safely: size, encoding, DOCTYPE, well-formedness, depth and attribute count
 * are checked before fast-xml-parser sees the text. Every refusal is an InputError with a code
 * ('empty', 'too-large', 'encoding', 'doctype', 'not-xml', 'too-deep', 'too-many-attributes',
 * 'reserved-name') and a message that names the problem and, where known, its line and column.
 */
export function inspectXml(input: Buffer | Uint8Array | string, limits?: Partial<XmlLimits>): XmlInspection {
  const resolved = resolveXmlLimits(limits);
  const isText = typeof input === 'string';
  if ((isText ? input.length : input.byteLength) === 0) throw xmlRefusal('empty', 'XML input is empty');
  // A string has at least as many UTF-8 bytes as UTF-16 units: the cheap length settles most oversize strings.
  const size = isText ? (input.length > resolved.maxBytes ? input.length : Buffer.byteLength(input, 'utf8')) : input.byteLength;
  if (size > resolved.maxBytes) throw xmlRefusal('too-large', `XML input has ${size} bytes; at most ${resolved.maxBytes} are accepted`);

  const decoded = decodeXmlInput(input);
  if (decoded.text.trim() === '') throw xmlRefusal('empty', 'XML input is empty (only whitespace)');
  const scan = scanXml(decoded.text, resolved);

  let tree: XmlTree;
  try {
    // Line ends are normalised as XML 1.0 §2.11 asks; the scanner already reported positions on the original.
    tree = new XMLParser(parserOptions(resolved)).parse(decoded.text.replace(/\r\n?/g, '\n')) as XmlTree;
  } catch (error) {
    // The scanner is stricter than the parser, so this is not expected; it must still surface as bad input.
    throw xmlRefusal('not-xml', `XML is not well-formed: ${error instanceof Error ? error.message : String(error)}`);
  }
  decodeTree(tree);

  const warnings: string[] = [];
  const inspection: XmlInspection = { text: decoded.text, rootElement: scan.rootLocalName, namespaces: scan.namespaces, tree, warnings };
  if (decoded.encoding) inspection.encoding = decoded.encoding;
  if (scan.rootPrefix !== undefined) inspection.rootPrefix = scan.rootPrefix;
  if (scan.rootNamespace !== undefined) inspection.namespace = scan.rootNamespace;
  const xoev = readXoevHeader(tree, (message) => warnings.push(message));
  if (xoev) inspection.xoev = xoev;
  return inspection;
}

/** Decodes text and attribute values in place; CDATA stays as written, which is its point. */
function decodeTree(tree: XmlTree): void {
  const work: XmlTree[] = [tree];
  for (let nodes = work.pop(); nodes; nodes = work.pop()) {
    for (const node of nodes) {
      for (const key of Object.keys(node)) {
        const value = node[key];
        if (key === TEXT_KEY) {
          if (typeof value === 'string') node[key] = decodeXmlEntities(value);
        } else if (key === ATTRIBUTES_KEY) {
          const attributes = value as Record<string, unknown>;
          for (const name of Object.keys(attributes)) {
            const raw = attributes[name];
            if (typeof raw === 'string') attributes[name] = decodeXmlAttributeValue(raw);
          }
        } else if (key !== CDATA_KEY && Array.isArray(value)) {
          work.push(value as XmlOrderedNode[]);
        }
      }
    }
  }
}
