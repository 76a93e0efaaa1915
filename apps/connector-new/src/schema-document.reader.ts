import { readFile } from 'node:fs/promises';
import { ParseOption, XmlDocument, XmlElement, XmlParseError, XmlText, XmlCData, type XmlTreeNode } from 'libxml2-wasm';

export const XSD_NAMESPACE = 'http://www.w3.org/2001/XMLSchema';
export const WSDL_NAMESPACE = 'http://schemas.xmlsoap.org/wsdl/';

/**
 * An element of a schema or WSDL file as plain data, with the namespaces in scope, so QNames in attribute
 * values (`type="xs:string"`, `ref="cac:Party"`) resolve after the libxml2 document is gone.
 */
export interface SchemaNode {
  /** Namespace URI of the element; '' for none. */
  ns: string;
  local: string;
  attrs: Readonly<Record<string, string | undefined>>;
  children: SchemaNode[];
  /** Text directly inside the element, joined. */
  text: string;
  line: number;
  /** Namespace URI for a prefix ('' is the default namespace); undefined when it is not declared. */
  resolve(prefix: string): string | undefined;
}

/** A schema or WSDL file that could not be read: the message names the file and, where known, the line. */
export class SchemaFileError extends Error {
  override readonly name = 'SchemaFileError';
}

/**
 * Reads a schema or WSDL file with libxml2: no network, no external entities, no entity substitution.
 * W3C schemas such as xmldsig-core-schema.xsd carry an internal DTD subset, which the project's inspectXml
 * refuses; libxml2 reads it without expanding anything.
 */
export async function readSchemaFile(file: string): Promise<SchemaNode> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new SchemaFileError(`cannot read ${file} (${(error as { code?: string }).code ?? 'unreadable'})`);
  }
  let document: XmlDocument;
  try {
    document = XmlDocument.fromBuffer(bytes, { url: file, option: ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE });
  } catch (error) {
    if (error instanceof XmlParseError) {
      const detail = error.details[0];
      throw new SchemaFileError(`${file}${detail ? `:${detail.line}` : ''}: not well-formed XML: ${(detail?.message ?? error.message).trim()}`);
    }
    throw error;
  }
  try {
    return toNode(document.root, new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]));
  } finally {
    document.dispose();
  }
}

function toNode(element: XmlElement, parentScope: ReadonlyMap<string, string>): SchemaNode {
  const declared = Object.entries(element.nsDeclarations);
  const scope = declared.length === 0 ? parentScope : new Map([...parentScope, ...declared]);
  const attrs: Record<string, string> = {};
  for (const attribute of element.attrs) attrs[attribute.name] = attribute.value;
  const children: SchemaNode[] = [];
  let text = '';
  for (let child: XmlTreeNode | null = element.firstChild; child; child = child.next) {
    if (child instanceof XmlElement) children.push(toNode(child, scope));
    else if (child instanceof XmlText || child instanceof XmlCData) text += child.content;
  }
  return {
    ns: element.namespaceUri ?? '',
    local: element.name,
    attrs,
    children,
    text,
    line: element.line,
    resolve: (prefix) => {
      const uri = scope.get(prefix);
      // xmlns="" undeclares the default namespace.
      return uri === '' && prefix === '' ? undefined : uri;
    },
  };
}

/** Child elements in the XSD namespace, optionally of one local name. */
export function xsdChildren(node: SchemaNode, local?: string): SchemaNode[] {
  return node.children.filter((child) => child.ns === XSD_NAMESPACE && (local === undefined || child.local === local));
}

/** Every element of the tree, depth first in document order. */
export function* descendants(node: SchemaNode): Generator<SchemaNode> {
  const work = [node];
  for (let current = work.pop(); current; current = work.pop()) {
    yield current;
    for (let i = current.children.length - 1; i >= 0; i--) work.push(current.children[i]!);
  }
}

/** A QName attribute value as `{ ns, local }`; undefined when its prefix is not declared. */
export function resolveQName(node: SchemaNode, value: string): { ns: string; local: string } | undefined {
  const trimmed = value.trim();
  const colon = trimmed.indexOf(':');
  const prefix = colon === -1 ? '' : trimmed.slice(0, colon);
  const local = colon === -1 ? trimmed : trimmed.slice(colon + 1);
  const ns = node.resolve(prefix);
  if (ns === undefined && prefix !== '') return undefined;
  return { ns: ns ?? '', local };
}

/** `{namespace}local`, the key of global components. */
export function qnameKey(ns: string, local: string): string {
  return `{${ns}}${local}`;
}
