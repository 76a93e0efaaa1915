import { TextDecoder } from 'node:util';
import { InputError } from '@app/contracts';
import { escapeXml, screenXml } from '@app/xml';
import {
  SOAP11_ENVELOPE_NAMESPACE,
  SOAP12_ENVELOPE_NAMESPACE,
  SOAP_MEDIA_TYPE,
  faultHttpStatus,
  soapFaultResponse,
} from './soap-fault.builder.js';
import type { SoapFaultKind, SoapFaultResponse, SoapFaultSpec } from './soap-fault.builder.js';
import { XmlReadError, attribute, readXmlTree } from './xml-tree.reader.js';
import type { XmlElement } from './xml-tree.reader.js';
import type { QualifiedName, SoapVersion, WsdlOperation } from './wsdl.inspector.js';

/** A request refused before any handler ran; carries the fault to answer. */
export class SoapRefusal extends Error {
  constructor(readonly response: SoapFaultResponse) {
    super(response.spec.message);
    this.name = 'SoapRefusal';
  }
}

export function refuse(
  version: SoapVersion,
  kind: SoapFaultKind,
  message: string,
  code: string,
  options: { status?: number; upgrade?: SoapVersion[]; notUnderstood?: QualifiedName[] } = {},
): SoapRefusal {
  const spec: SoapFaultSpec = { version, kind, message, detail: { code } };
  if (options.upgrade) spec.upgrade = options.upgrade;
  if (options.notUnderstood) spec.notUnderstood = options.notUnderstood;
  return new SoapRefusal(soapFaultResponse(spec, options.status ?? faultHttpStatus(version, kind)));
}

export interface MediaType {
  /** Lower case, e.g. `text/xml`. */
  type: string;
  /** Parameter names lower case, values unquoted. */
  params: Record<string, string>;
}

/** Parses a Content-Type header value (RFC 9110 media type with parameters, quoted strings allowed). */
export function parseMediaType(header: string | undefined): MediaType | undefined {
  if (!header) return undefined;
  const match = /^\s*([^\s;/]+\/[^\s;]+)\s*/.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  const param = /;\s*([^\s=;]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^\s;]*)\s*/gy;
  param.lastIndex = match[0].length;
  for (let m = param.exec(header); m; m = param.exec(header)) {
    params[m[1]!.toLowerCase()] = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[2]!;
  }
  return { type: match[1]!.toLowerCase(), params };
}

/** Media types any SOAP version uses; others are refused before the body is even read. */
export function isSoapMediaType(type: string): boolean {
  return type === SOAP_MEDIA_TYPE['1.1'] || type === SOAP_MEDIA_TYPE['1.2'];
}

export interface EnvelopeCheckInput {
  /** The endpoint's SOAP version. */
  version: SoapVersion;
  /** The request body, content-encoding already undone. */
  body: Buffer;
  mediaType: MediaType;
  /** The SOAPAction HTTP header as received. */
  soapActionHeader?: string;
  /** The operations of the endpoint's port. */
  operations: ReadonlyMap<string, WsdlOperation>;
  maxBodyBytes: number;
  /** Header blocks the caller processes itself (e.g. wsse:Security): mustUnderstand on them is no fault. */
  understoodHeaders?: readonly QualifiedName[];
}

export interface AcceptedEnvelope {
  operation: WsdlOperation;
  /** The envelope as text for node-soap, CDATA sections turned into escaped text. */
  text: string;
  /** The envelope as checked, and its Header element (offsets point into `source`), for header processing. */
  source: string;
  header?: XmlElement;
  /** The envelope's tree (offsets point into `source`) and the operation element in its Body. */
  root: XmlElement;
  element: XmlElement;
  /** Namespace declarations `text` has on the Envelope that `source` has not (prefix, URI). */
  addedDeclarations: ReadonlyArray<readonly [string, string]>;
}

const ENVELOPE_NAMESPACES: Record<string, SoapVersion> = {
  [SOAP11_ENVELOPE_NAMESPACE]: '1.1',
  [SOAP12_ENVELOPE_NAMESPACE]: '1.2',
};

/** Names node-soap would use as object keys on the args object: never let them through. */
const RESERVED_LOCAL_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * node-soap keeps SOAP-encoding multiRef targets in a plain object keyed by the `id` / `href`
 * values, so `id="__proto__"` writes onto Object.prototype for the whole process (node-soap 1.13).
 * Values that name anything an object inherits are refused.
 */
const RESERVED_REFERENCES = new Set(['__proto__', ...Object.getOwnPropertyNames(Object.prototype)]);

/**
 * Everything a SOAP request must pass before node-soap parses it. node-soap itself is lenient: it
 * dispatches whatever it can guess, answers parse errors with its own (version-confused) faults and
 * internal exception texts, and turns CDATA holding an XML declaration into an object. So the
 * request is refused here, with a fault that names the problem, unless it is a well-formed, safe
 * document/literal envelope of this endpoint's SOAP version holding exactly one known operation.
 * Throws SoapRefusal.
 */
export function checkEnvelope(input: EnvelopeCheckInput): AcceptedEnvelope {
  const { version, operations } = input;
  const envNs = version === '1.1' ? SOAP11_ENVELOPE_NAMESPACE : SOAP12_ENVELOPE_NAMESPACE;

  const inspected = inspect(input);
  if (inspected.rootElement !== 'Envelope') {
    throw refuse(version, 'client', `root element <${inspected.rootElement}> is not a SOAP Envelope`, 'not-an-envelope');
  }
  const sentVersion = inspected.namespace === undefined ? undefined : ENVELOPE_NAMESPACES[inspected.namespace];
  if (sentVersion !== version) throw versionMismatch(version, sentVersion, inspected.namespace);

  if (input.mediaType.type !== SOAP_MEDIA_TYPE[version]) {
    throw refuse(
      version,
      'client',
      `SOAP ${version} requires Content-Type ${SOAP_MEDIA_TYPE[version]}, got ${input.mediaType.type}`,
      'content-type',
      { status: 415 },
    );
  }

  let root: XmlElement;
  try {
    root = readXmlTree(inspected.text);
  } catch (error) {
    // screenXml accepted it, so this is not expected; it still is the request's problem.
    throw refuse(version, 'client', `request is not well-formed XML: ${error instanceof XmlReadError ? error.message : 'unreadable'}`, 'not-xml');
  }

  const parts = root.children;
  const header = parts[0]?.local === 'Header' && parts[0].ns === envNs ? parts[0] : undefined;
  const body = parts[header ? 1 : 0];
  if (!body || body.local !== 'Body' || body.ns !== envNs) {
    const found = body ? `<${body.name}>` : 'nothing';
    throw refuse(version, 'client', `SOAP Envelope must hold an optional Header and then a Body; found ${found}`, 'no-body');
  }
  if (parts.length > (header ? 2 : 1)) {
    throw refuse(version, 'client', `SOAP Envelope holds <${parts.at(-1)!.name}> after the Body`, 'no-body');
  }

  checkNames(version, root);
  checkEncoding(version, envNs, root);
  if (header) checkMustUnderstand(version, envNs, header, input.understoodHeaders ?? []);

  const known = [...operations.keys()].sort().join(', ');
  if (body.children.length === 0) {
    throw refuse(version, 'client', `SOAP Body is empty; expected one operation element (${known})`, 'unknown-operation');
  }
  if (body.children.length > 1) {
    const names = body.children.map((c) => c.local).join(', ');
    throw refuse(version, 'client', `SOAP Body holds ${body.children.length} elements (${names}); expected exactly one operation element`, 'unknown-operation');
  }
  if (body.hasText) throw refuse(version, 'client', 'SOAP Body holds text outside the operation element', 'unknown-operation');

  const element = body.children[0]!;
  const operation = operationOf(version, operations, element, known);
  checkSoapAction(version, input, operation, operations);

  const accepted: AcceptedEnvelope = { operation, ...forNodeSoap(inspected.text, version, root, element), source: inspected.text, root, element };
  if (header) accepted.header = header;
  return accepted;
}

function inspect(input: EnvelopeCheckInput) {
  const charset = input.mediaType.params['charset']?.toLowerCase();
  let xml: Buffer | string = input.body;
  let maxBytes = input.maxBodyBytes;
  // RFC 7303: a charset parameter is authoritative; without one (or with UTF-8) the XML declaration decides.
  if (charset && charset !== 'utf-8' && charset !== 'utf8') {
    let decoder: TextDecoder;
    try {
      decoder = new TextDecoder(charset, { fatal: true });
    } catch {
      throw refuse(input.version, 'client', `charset ${charset} is not supported`, 'encoding', { status: 415 });
    }
    try {
      xml = decoder.decode(input.body);
    } catch {
      throw refuse(input.version, 'client', `request body is not valid ${charset}`, 'encoding');
    }
    // The byte limit was enforced on the raw body; re-encoded as UTF-8 a character may take three bytes.
    maxBytes = input.maxBodyBytes * 3;
  }
  try {
    // The hardened checks only: the envelope's own tree comes from readXmlTree below.
    return screenXml(xml, { maxBytes });
  } catch (error) {
    if (error instanceof InputError) {
      const status = error.httpStatus === 413 ? 413 : undefined;
      throw refuse(input.version, 'client', `request is not acceptable XML: ${error.message}`, error.code, status ? { status } : {});
    }
    throw error;
  }
}

/**
 * SOAP 1.2 (Part 1, 5.4.7 and appendix A): a SOAP 1.1 envelope gets a VersionMismatch fault in SOAP
 * 1.1 form, which its sender can read, with an Upgrade header naming SOAP 1.2. SOAP 1.1 knows no
 * other version, so the 1.1 endpoint answers a 1.1 fault either way.
 */
function versionMismatch(version: SoapVersion, sent: SoapVersion | undefined, namespace: string | undefined): SoapRefusal {
  const expected = version === '1.1' ? SOAP11_ENVELOPE_NAMESPACE : SOAP12_ENVELOPE_NAMESPACE;
  const upgrade: SoapVersion[] | undefined = version === '1.2' ? ['1.2'] : undefined;
  if (sent) {
    const message =
      `SOAP ${sent} envelope sent to a SOAP ${version} endpoint: send a SOAP ${version} envelope (${expected}) ` +
      `with Content-Type ${SOAP_MEDIA_TYPE[version]}, or use the SOAP ${sent} port listed in the WSDL`;
    return refuse('1.1', 'version-mismatch', message, 'version-mismatch', { status: 500, ...(upgrade ? { upgrade } : {}) });
  }
  const message = `Envelope namespace ${namespace ?? '(none)'} is not SOAP ${version}; expected ${expected}`;
  return refuse(version, 'version-mismatch', message, 'version-mismatch', { status: 500, ...(upgrade ? { upgrade } : {}) });
}

function* walk(element: XmlElement): Generator<XmlElement> {
  const stack = [element];
  for (let next = stack.pop(); next; next = stack.pop()) {
    yield next;
    for (let i = next.children.length - 1; i >= 0; i--) stack.push(next.children[i]!);
  }
}

function checkNames(version: SoapVersion, root: XmlElement): void {
  for (const element of walk(root)) {
    for (const name of [element.local, ...element.attributes.map((a) => a.local)]) {
      if (RESERVED_LOCAL_NAMES.has(name)) throw refuse(version, 'client', `XML name '${name}' is not accepted`, 'reserved-name');
    }
    for (const a of element.attributes) {
      if (a.name !== 'id' && a.name !== 'href') continue;
      const reference = a.name === 'href' && a.value.startsWith('#') ? a.value.slice(1) : a.value;
      if (RESERVED_REFERENCES.has(reference)) {
        throw refuse(version, 'client', `${a.name}="${a.value}" on <${element.name}> is not accepted`, 'reserved-name');
      }
    }
  }
}

/** SOAP encoding (RPC/encoded) is refused by name: node-soap would fail on it with an internal error. */
function checkEncoding(version: SoapVersion, envNs: string, root: XmlElement): void {
  for (const element of walk(root)) {
    const style = attribute(element, 'encodingStyle', envNs);
    if (style) {
      throw refuse(
        version,
        'client',
        `SOAP encoding is not supported (encodingStyle="${style.value}" on <${element.name}>): this service is document/literal, see its WSDL`,
        'encoding-style',
      );
    }
  }
}

const SOAP11_NEXT = 'http://schemas.xmlsoap.org/soap/actor/next';
const SOAP12_NEXT = 'http://www.w3.org/2003/05/soap-envelope/role/next';
const SOAP12_ULTIMATE = 'http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver';

/** True when a header block is meant for this node: no actor/role, or the "next" or ultimate receiver one. */
export function targetsThisNode(block: XmlElement, version: SoapVersion): boolean {
  const envNs = version === '1.1' ? SOAP11_ENVELOPE_NAMESPACE : SOAP12_ENVELOPE_NAMESPACE;
  const target = attribute(block, version === '1.1' ? 'actor' : 'role', envNs)?.value.trim();
  return !target || target === SOAP11_NEXT || target === SOAP12_NEXT || target === SOAP12_ULTIMATE;
}

/**
 * Header blocks are processed only when the caller says so (understood); any other one that must be
 * understood and is meant for us is a MustUnderstand fault.
 */
function checkMustUnderstand(version: SoapVersion, envNs: string, header: XmlElement, understood: readonly QualifiedName[]): void {
  const notUnderstood: XmlElement[] = [];
  for (const block of header.children) {
    const must = attribute(block, 'mustUnderstand', envNs)?.value.trim();
    if (must !== '1' && must !== 'true') continue;
    if (understood.some((q) => q.ns === block.ns && q.local === block.local)) continue;
    if (targetsThisNode(block, version)) notUnderstood.push(block);
  }
  if (notUnderstood.length === 0) return;
  const names = notUnderstood.map((b) => (b.ns ? `{${b.ns}}${b.local}` : b.local)).join(', ');
  throw refuse(version, 'must-understand', `header blocks marked mustUnderstand are not processed by this endpoint: ${names}`, 'must-understand', {
    notUnderstood: notUnderstood.map((b) => (b.ns === undefined ? { local: b.local } : { ns: b.ns, local: b.local })),
  });
}

function operationOf(version: SoapVersion, operations: ReadonlyMap<string, WsdlOperation>, element: XmlElement, known: string): WsdlOperation {
  const byName = [...operations.values()].filter((op) => op.input?.local === element.local);
  const match = byName.find((op) => op.input?.ns === element.ns);
  if (match) return match;
  if (byName.length > 0) {
    const expected = byName[0]!.input?.ns ?? '(none)';
    throw refuse(version, 'client', `operation element ${element.local} is in namespace ${element.ns ?? '(none)'}; expected ${expected}`, 'unknown-operation');
  }
  throw refuse(version, 'client', `unknown operation ${element.local}; known: ${known}`, 'unknown-operation');
}

/**
 * The action is optional (WS-I asks SOAP 1.1 clients to send it, many do not); when given it must
 * name an operation of the WSDL and the same one the Body holds. SOAP 1.2 carries it as the action
 * parameter of Content-Type; a SOAPAction header sent there anyway is held to the same rule.
 */
function checkSoapAction(version: SoapVersion, input: EnvelopeCheckInput, operation: WsdlOperation, operations: ReadonlyMap<string, WsdlOperation>): void {
  const candidates: Array<[string, string | undefined]> = [['SOAPAction', unquote(input.soapActionHeader)]];
  if (version === '1.2') candidates.unshift(['action parameter', unquote(input.mediaType.params['action'])]);
  for (const [source, action] of candidates) {
    if (!action) continue;
    const named = [...operations.values()].find((op) => op.soapAction === action);
    if (!named) {
      const known = [...operations.values()]
        .map((op) => op.soapAction)
        .filter((a): a is string => !!a)
        .sort()
        .join(', ');
      throw refuse(version, 'client', `${source} "${action}" names no operation of this service; known: ${known}`, 'soap-action');
    }
    if (named !== operation) {
      throw refuse(version, 'client', `${source} "${action}" names operation ${named.name} but the Body holds ${operation.name}`, 'soap-action');
    }
  }
}

function unquote(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  const inner = trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1).trim() : trimmed;
  return inner || undefined;
}

/**
 * Two rewrites that change no meaning but spare node-soap's quirks:
 * - node-soap parses a CDATA section that starts with an XML declaration into an object, so a
 *   document sent as `<xmlDocument><![CDATA[<?xml ...?>...]]></xmlDocument>` would reach the
 *   handler as something other than its text. Escaped text carries exactly the same characters.
 * - node-soap finds the request's schema (and so turns xs:dateTime into Date, xs:int into number)
 *   only if the prefix `soap` is bound; a SOAP 1.2 envelope written with `env:` would arrive as
 *   plain strings. An unused `xmlns:soap` declaration on the Envelope makes both spellings equal.
 */
function forNodeSoap(
  text: string,
  version: SoapVersion,
  root: XmlElement,
  operationElement: XmlElement,
): { text: string; addedDeclarations: Array<readonly [string, string]> } {
  const edits = [...walk(operationElement)].flatMap((e) => e.cdata).map((c) => ({ start: c.start, end: c.end, text: escapeXml(c.text) }));
  const addedDeclarations: Array<readonly [string, string]> = [];
  if (version === '1.2' && ![...walk(root)].some((e) => e.attributes.some((a) => a.name === 'xmlns:soap'))) {
    const at = root.start + 1 + root.name.length;
    edits.push({ start: at, end: at, text: ` xmlns:soap="${SOAP12_ENVELOPE_NAMESPACE}"` });
    addedDeclarations.push(['soap', SOAP12_ENVELOPE_NAMESPACE]);
  }
  edits.sort((a, b) => b.start - a.start);
  let out = text;
  for (const edit of edits) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return { text: out, addedDeclarations };
}
