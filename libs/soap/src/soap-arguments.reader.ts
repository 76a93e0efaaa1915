import { leafBytes, leafText } from './xml-tree.reader.js';
import type { XmlElement } from './xml-tree.reader.js';

/*
 * node-soap turns a request into the handler's argument object by parsing the whole envelope again
 * with sax: for a document sent escaped in the envelope, the costliest step of a request. For the
 * plain shape nearly every request has (an operation element holding text-only elements that the
 * WSDL declares) the same object is built here from the envelope tree the guard has read already.
 * Everything else (attributes, nested or repeated or unknown elements, values node-soap converts to
 * numbers, booleans or dates, comments, multiRef links, mixed content, a WS-Security Timestamp,
 * ...) gets no answer here, and node-soap parses the request as before. The rules below follow what
 * node-soap 1.13 does on the text the guard hands it (see Wsdl.xmlToObject); the spec beside this
 * file holds them against node-soap itself.
 */

/** The SOAP 1.1 envelope namespace: node-soap tracks the prefix bound to it (and only to it). */
const NODE_SOAP_ENVELOPE_URI = 'http://schemas.xmlsoap.org/soap/envelope/';

/** Types whose text node-soap converts (parseInt, Number, boolean, Date) instead of passing it on. */
const CONVERTED_TYPES = new Set(['int', 'integer', 'short', 'long', 'double', 'float', 'decimal', 'bool', 'boolean', 'dateTime', 'date']);

/** The parts of node-soap's parsed WSDL that decide how a request becomes arguments. */
export interface NodeSoapWsdlModel {
  definitions: {
    messages: Record<string, { description(definitions: unknown): unknown } | undefined>;
  };
  options: Record<string, unknown>;
}

/** How node-soap types the children of each operation's input element, by the element's local name. */
export interface ArgumentsPlan {
  readonly elements: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

/**
 * Reads node-soap's view of the request elements once (after its WSDL is loaded and whitespace is
 * preserved). Operations whose input node-soap would read differently get no entry.
 */
export function planArguments(wsdl: NodeSoapWsdlModel, inputElements: readonly string[]): ArgumentsPlan {
  const elements = new Map<string, ReadonlyMap<string, string>>();
  // Only the options this file was written for: anything else, and node-soap reads every request itself.
  if (wsdl.options['preserveWhitespace'] !== true || wsdl.options['customDeserializer'] || wsdl.options['handleNilAsNull']) return { elements };
  for (const local of inputElements) {
    if (local === 'Fault' || !Object.hasOwn(wsdl.definitions.messages, local)) continue;
    const description = wsdl.definitions.messages[local]?.description(wsdl.definitions) as Record<string, unknown> | undefined;
    if (!description || Object.hasOwn(description, `${local}[]`)) continue;
    const inner = description[local];
    if (!inner || typeof inner !== 'object' || Array.isArray(inner)) continue;
    const children = new Map<string, string>();
    for (const [name, type] of Object.entries(inner)) {
      // `name[]` declares a repeated element (an array); a non-string type a complex one.
      if (typeof type !== 'string' || name.endsWith('[]') || Object.hasOwn(inner, `${name}[]`) || name in Object.prototype) continue;
      children.set(name, type);
    }
    elements.set(local, children);
  }
  return { elements };
}

export interface CheckedEnvelope {
  /** The envelope text the tree was read from. */
  source: string;
  root: XmlElement;
  /** The operation element in the Body. */
  element: XmlElement;
  /** Namespace declarations the guard put first on the Envelope of the text node-soap would read. */
  addedDeclarations: ReadonlyArray<readonly [string, string]>;
}

/**
 * The argument object node-soap would hand the operation's handler, or undefined when the request
 * is not of the plain shape (node-soap then parses it itself). `asBytes`: a string argument (by local
 * name) given as the UTF-8 bytes of its text instead (see leafBytes), for a caller that needs the bytes.
 */
export function readArguments(plan: ArgumentsPlan, envelope: CheckedEnvelope, asBytes?: string): Record<string, unknown> | undefined {
  const { source, root, element } = envelope;
  const types = plan.elements.get(element.local);
  if (!types) return undefined;
  if (!envelopeIsPlain(root, element, envelope.addedDeclarations)) return undefined;

  if (element.hasText || element.children.length === 0 || element.attributes.some((a) => !isNamespaceDeclaration(a.name))) return undefined;
  const args: Record<string, unknown> = {};
  for (const child of element.children) {
    if (child.children.length > 0 || child.attributes.some((a) => !isNamespaceDeclaration(a.name))) return undefined;
    const type = types.get(child.local);
    // A second element of a name becomes an array in node-soap; `in` also covers Object.prototype's names.
    if (type === undefined || child.local in args) return undefined;
    if (holdsCommentOrInstruction(source, child)) return undefined;
    const typeName = localTypeName(type);
    // A string argument is its text, white space and all.
    if (child.local === asBytes && typeName === 'string') {
      args[child.local] = leafBytes(source, child);
      continue;
    }
    const text = leafText(source, child);
    if (text.trim() !== '') {
      if (CONVERTED_TYPES.has(typeName)) return undefined;
      args[child.local] = text;
    } else {
      // Blank: a string element keeps its white space (preserveWhitespace), anything else is null.
      args[child.local] = typeName === 'string' ? text : null;
    }
  }
  return args;
}

/**
 * What happens in node-soap before the operation element, and around it, that would change the
 * arguments or make node-soap fail: the request schema is used only if the prefix it takes for the
 * envelope is bound when the operation element opens; an element named Body in the header, mixed
 * content, CDATA outside the operation, xsi:type, multiRef `href` links and a WS-Security Timestamp
 * (which node-soap answers with a Timestamp header of its own) are left to node-soap.
 */
function envelopeIsPlain(root: XmlElement, element: XmlElement, addedDeclarations: CheckedEnvelope['addedDeclarations']): boolean {
  const namespaces = new Map<string, string>();
  let envelopePrefix = 'soap';
  for (const [prefix, uri] of addedDeclarations) {
    namespaces.set(prefix, uri);
    if (uri === NODE_SOAP_ENVELOPE_URI) envelopePrefix = prefix;
  }
  let beforeOperation = true;
  const work: Array<{ element: XmlElement; parent?: XmlElement }> = [{ element: root }];
  for (let next = work.pop(); next; next = work.pop()) {
    const current = next.element;
    const insideOperation = next.parent === element;
    if (current === element) beforeOperation = false;
    for (const a of current.attributes) {
      if (a.name === 'href' || (a.local === 'type' && a.name.includes(':'))) return false;
      if (current === element || beforeOperation) {
        if (isNamespaceDeclaration(a.name)) {
          const prefix = a.name === 'xmlns' ? 'xmlns' : a.name.slice(6);
          namespaces.set(prefix, a.value);
          if (a.value === NODE_SOAP_ENVELOPE_URI) envelopePrefix = prefix;
        }
      }
    }
    if (current === element && !namespaces.get(envelopePrefix)) return false;
    if (!insideOperation) {
      if (current.cdata.length > 0 || (current.hasText && current.children.length > 0)) return false;
      if (beforeOperation && current !== root && current.local === 'Body' && !current.children.includes(element)) return false;
      if (current.local === 'Security' && next.parent?.local === 'Header' && current.children.some((c) => c.local === 'Timestamp')) return false;
    }
    for (let i = current.children.length - 1; i >= 0; i--) work.push({ element: current.children[i]!, parent: current });
  }
  return true;
}

function isNamespaceDeclaration(name: string): boolean {
  return name === 'xmlns' || name.startsWith('xmlns:');
}

/** node-soap's reading of a type reference: `RouteId|xs:string|pattern` is `RouteId`, `xs:string` is `string`. */
function localTypeName(type: string): string {
  const top = type.split('|', 1)[0]!;
  return top.slice(top.indexOf(':') + 1);
}

/** sax reports text around a comment or processing instruction in pieces, which node-soap joins its own way. */
function holdsCommentOrInstruction(source: string, element: XmlElement): boolean {
  let from = element.contentStart;
  for (const section of element.cdata) {
    if (source.slice(from, section.start).includes('<')) return true;
    from = section.end;
  }
  return source.slice(from, element.contentEnd).includes('<');
}
