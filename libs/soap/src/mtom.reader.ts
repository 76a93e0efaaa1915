import { InputError } from '@app/contracts';
import { screenXml } from '@app/xml';
import { SOAP_MEDIA_TYPE } from './soap-fault.builder.js';
import type { MediaType } from './soap-envelope.guard.js';
import { parseMediaType } from './soap-envelope.guard.js';
import { XmlReadError, attribute, readXmlTree } from './xml-tree.reader.js';
import type { XmlElement } from './xml-tree.reader.js';

/** W3C XML-binary Optimized Packaging (XOP), as SOAP MTOM uses it. */
export const XOP_NAMESPACE = 'http://www.w3.org/2004/08/xop/include';
export const XOP_MEDIA_TYPE = 'application/xop+xml';

export interface MtomLimits {
  /** Most MIME parts, the root part included. */
  maxParts: number;
  /** Most bytes of one part's header block. */
  maxHeaderBytes: number;
}

/** Schnittstelle's operations carry one document; a few parts leave room for clients that add a part of their own. */
export const DEFAULT_MTOM_LIMITS: MtomLimits = { maxParts: 8, maxHeaderBytes: 8 * 1024 };

/** A malformed MTOM request; the message says what is wrong, for a Client/Sender fault. */
export class MtomError extends Error {
  constructor(
    message: string,
    readonly code = 'bad-multipart',
  ) {
    super(message);
    this.name = 'MtomError';
  }
}

export interface MtomEnvelope {
  /** The SOAP envelope (UTF-8) with every xop:Include replaced by the base64 text of its part. */
  envelope: Buffer;
  /** The SOAP media type the root part names (text/xml or application/soap+xml). */
  soapType: string;
  /** SOAP 1.2 action, from the root part's type or the multipart parameters. */
  action?: string;
  /** Attachment parts and their bytes, for logs and tests. */
  attachments: number;
  attachmentBytes: number;
}

interface Part {
  index: number;
  headers: Map<string, string>;
  body: Buffer;
}

/** RFC 2046 section 5.1.1: 1 to 70 of these characters, not ending in a space. */
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;
const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/;
const SINGLE_HEADERS = new Set(['content-type', 'content-id', 'content-transfer-encoding']);
const IDENTITY_ENCODINGS = new Set(['binary', '8bit', '7bit']);
const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * Reads a `multipart/related; type="application/xop+xml"` request (SOAP 1.1 or 1.2 with MTOM) and
 * puts it back together as a plain envelope: each `<xop:Include href="cid:..."/>` becomes the
 * base64 text of the part it names, which is exactly what the element would hold without MTOM, so
 * every later check (envelope, operation, document size) sees what it always sees.
 *
 * Strict on purpose: a boundary that is missing, badly formed or never closed, too many parts, an
 * oversized part header, a part without Content-ID, two parts with one Content-ID, an encoding other
 * than binary/8bit/7bit, an xop:Include naming no part or not alone in its element, a part named
 * twice (the base64 would multiply the request) or never (it would be silently dropped): all are
 * refused with an MtomError that says which. The whole body was already bounded by the caller.
 */
export function unpackMtom(body: Buffer, mediaType: MediaType, limits: MtomLimits = DEFAULT_MTOM_LIMITS): MtomEnvelope {
  if (mediaType.type !== 'multipart/related') throw new MtomError(`expected multipart/related, got ${mediaType.type}`);
  const packaging = mediaType.params['type']?.toLowerCase();
  if (packaging !== XOP_MEDIA_TYPE) {
    throw new MtomError(`multipart/related requests must be MTOM/XOP with type="${XOP_MEDIA_TYPE}"; got ${packaging ? `type="${packaging}"` : 'no type parameter'}`);
  }
  const boundary = mediaType.params['boundary'];
  if (!boundary) throw new MtomError('multipart/related Content-Type has no boundary parameter');
  if (!BOUNDARY.test(boundary)) throw new MtomError('the multipart boundary must be 1 to 70 characters of RFC 2046 (letters, digits, \'()+_,-./:=? and inner spaces)');

  const parts = readParts(body, boundary, limits);
  const start = mediaType.params['start'];
  const root = start ? parts.find((p) => p.headers.get('content-id') === unbracket(start)) : parts[0];
  if (!root) throw new MtomError(`no part has the Content-ID ${start} that the start parameter names`);

  const rootType = parseMediaType(root.headers.get('content-type'));
  if (rootType?.type !== XOP_MEDIA_TYPE) throw new MtomError(`the root part must be ${XOP_MEDIA_TYPE}; it is ${rootType?.type ?? 'untyped'}`);
  const startInfo = parseMediaType(mediaType.params['start-info']);
  const soapType = (rootType.params['type'] ?? startInfo?.type)?.toLowerCase();
  if (soapType !== SOAP_MEDIA_TYPE['1.1'] && soapType !== SOAP_MEDIA_TYPE['1.2']) {
    throw new MtomError(`the root part's type parameter must name ${SOAP_MEDIA_TYPE['1.1']} or ${SOAP_MEDIA_TYPE['1.2']}; got ${soapType ?? 'none'}`);
  }
  const charset = rootType.params['charset']?.toLowerCase();
  if (charset && charset !== 'utf-8' && charset !== 'utf8') throw new MtomError(`the root part must be UTF-8; it declares charset ${charset}`);
  const action = rootType.params['action'] ?? mediaType.params['action'] ?? startInfo?.params['action'];

  const attachments = new Map<string, Part>();
  for (const part of parts) {
    checkTransferEncoding(part);
    if (part === root) continue;
    const id = part.headers.get('content-id');
    if (!id) throw new MtomError(`part ${part.index} has no Content-ID, so nothing can refer to it`);
    if (attachments.has(id) || id === root.headers.get('content-id')) throw new MtomError(`two parts have the Content-ID ${id}`);
    attachments.set(id, part);
  }

  let rootText: string;
  try {
    rootText = new TextDecoder('utf-8', { fatal: true }).decode(root.body);
  } catch {
    throw new MtomError('the root part is not valid UTF-8');
  }
  const envelope = substituteIncludes(rootText, root.body.length, attachments);
  let attachmentBytes = 0;
  for (const part of attachments.values()) attachmentBytes += part.body.length;
  return { envelope: Buffer.from(envelope, 'utf8'), soapType, ...(action ? { action } : {}), attachments: attachments.size, attachmentBytes };
}

function readParts(body: Buffer, boundary: string, limits: MtomLimits): Part[] {
  const dashBoundary = Buffer.from(`--${boundary}`, 'latin1');
  const delimiter = Buffer.concat([CRLF, dashBoundary]);
  // The first boundary opens the body, or follows a preamble that ends with CRLF.
  let at = body.subarray(0, dashBoundary.length).equals(dashBoundary) ? 0 : body.indexOf(delimiter);
  if (at < 0) throw new MtomError('the body holds no line with the boundary of its Content-Type');
  if (at > 0) at += CRLF.length;

  const parts: Part[] = [];
  for (;;) {
    let pos = at + dashBoundary.length;
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) {
      if (parts.length === 0) throw new MtomError('the multipart body closes before its first part');
      return parts;
    }
    // Transport padding (RFC 2046) may follow a boundary, then CRLF.
    while (body[pos] === 0x20 || body[pos] === 0x09) pos++;
    if (body[pos] !== 0x0d || body[pos + 1] !== 0x0a) throw new MtomError(`boundary line ${parts.length + 1} is not followed by CRLF`);
    pos += 2;
    if (parts.length >= limits.maxParts) throw new MtomError(`the request has more than ${limits.maxParts} MIME parts`);

    let headerBlock = '';
    let contentStart: number;
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) {
      contentStart = pos + 2;
    } else {
      const end = body.indexOf(HEADER_END, pos);
      if (end < 0 || end - pos > limits.maxHeaderBytes) {
        throw new MtomError(end < 0 ? `the headers of part ${parts.length + 1} do not end with an empty line` : `the headers of part ${parts.length + 1} exceed ${limits.maxHeaderBytes} bytes`);
      }
      headerBlock = body.subarray(pos, end).toString('latin1');
      contentStart = end + HEADER_END.length;
    }
    const next = body.indexOf(delimiter, contentStart);
    if (next < 0) throw new MtomError(`part ${parts.length + 1} is not closed: the body ends without the closing boundary --${boundary}--`);
    parts.push({ index: parts.length + 1, headers: parseHeaders(headerBlock, parts.length + 1), body: body.subarray(contentStart, next) });
    at = next + CRLF.length;
  }
}

function parseHeaders(block: string, index: number): Map<string, string> {
  const headers = new Map<string, string>();
  if (block === '') return headers;
  // Folded lines (starting with a space or tab) continue the one before.
  const lines = block.split('\r\n').reduce<string[]>((acc, line) => {
    if (/^[ \t]/.test(line) && acc.length > 0) acc[acc.length - 1] += ` ${line.trim()}`;
    else acc.push(line);
    return acc;
  }, []);
  for (const line of lines) {
    const m = HEADER_LINE.exec(line);
    if (!m) throw new MtomError(`part ${index} has a header line that is not "Name: value"`);
    const name = m[1]!.toLowerCase();
    if (SINGLE_HEADERS.has(name) && headers.has(name)) throw new MtomError(`part ${index} has ${m[1]} twice`);
    headers.set(name, name === 'content-id' ? unbracket(m[2]!) : m[2]!);
  }
  return headers;
}

/** Content-ID is `<addr-spec>`; the brackets are not part of the id that cid: URLs name. */
function unbracket(value: string): string {
  const v = value.trim();
  return v.startsWith('<') && v.endsWith('>') ? v.slice(1, -1).trim() : v;
}

function checkTransferEncoding(part: Part): void {
  const encoding = part.headers.get('content-transfer-encoding')?.toLowerCase();
  if (encoding !== undefined && !IDENTITY_ENCODINGS.has(encoding)) {
    throw new MtomError(`part ${part.index} has Content-Transfer-Encoding ${encoding}; MTOM parts are sent as binary`);
  }
}

function* walk(element: XmlElement): Generator<{ element: XmlElement; parent?: XmlElement }> {
  const stack: Array<{ element: XmlElement; parent?: XmlElement }> = [{ element }];
  for (let next = stack.pop(); next; next = stack.pop()) {
    yield next;
    for (let i = next.element.children.length - 1; i >= 0; i--) stack.push({ element: next.element.children[i]!, parent: next.element });
  }
}

function substituteIncludes(rootText: string, rootBytes: number, attachments: Map<string, Part>): string {
  // The root part is the untrusted envelope: the hardened check comes before the tree reader. Its
  // size was bounded with the whole body.
  try {
    screenXml(rootText, { maxBytes: Math.max(1, rootBytes) });
  } catch (error) {
    if (error instanceof InputError) throw new MtomError(`the root part is not acceptable XML: ${error.message}`, error.code);
    throw error;
  }
  let root: XmlElement;
  try {
    root = readXmlTree(rootText);
  } catch (error) {
    throw new MtomError(`the root part is not well-formed XML: ${error instanceof XmlReadError ? error.message : 'unreadable'}`, 'not-xml');
  }
  const used = new Set<string>();
  const edits: Array<{ start: number; end: number; text: string }> = [];
  for (const { element, parent } of walk(root)) {
    if (element.ns !== XOP_NAMESPACE) continue;
    if (element.local !== 'Include') throw new MtomError(`<${element.name}> is not an element of XOP; only xop:Include is`);
    const href = attribute(element, 'href')?.value.trim();
    if (!href?.toLowerCase().startsWith('cid:')) throw new MtomError('xop:Include needs an href="cid:..." naming a MIME part');
    let id: string;
    try {
      id = decodeURIComponent(href.slice(4));
    } catch {
      throw new MtomError(`xop:Include href ${href.slice(0, 200)} is not a valid cid: URL`);
    }
    const part = attachments.get(id);
    if (!part) throw new MtomError(`xop:Include names cid:${id.slice(0, 200)}, but no part has that Content-ID`);
    if (used.has(id)) throw new MtomError(`part ${id.slice(0, 200)} is included more than once`);
    if (!parent || parent.children.length !== 1 || parent.hasText || element.children.length > 0) {
      throw new MtomError('xop:Include must be the only content of its element, and empty itself');
    }
    used.add(id);
    edits.push({ start: element.start, end: element.end, text: part.body.toString('base64') });
  }
  const unused = [...attachments.keys()].filter((id) => !used.has(id));
  if (unused.length > 0) throw new MtomError(`part(s) ${unused.map((id) => id.slice(0, 100)).join(', ')} are not referred to by any xop:Include; nothing is dropped silently`);
  edits.sort((a, b) => b.start - a.start);
  let out = rootText;
  for (const edit of edits) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}
