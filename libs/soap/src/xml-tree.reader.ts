/**
 * A small reader that turns XML into a tree of elements with resolved namespaces and the offsets
 * of every tag, attribute value and CDATA section. It exists because the SOAP layer needs both:
 * namespace-aware questions about an envelope or WSDL ("which operation element is in the Body?")
 * and exact edits of the original text (rewrite one address, turn CDATA into escaped text) that
 * leave everything else byte for byte as it was.
 *
 * It is not a validating parser. Untrusted input must pass `screenXml` (or `inspectXml`) from @app/xml first (that
 * refuses DOCTYPE, entity tricks, depth bombs); this reader then only walks well-formed text. It
 * still refuses a DOCTYPE and unbound prefixes itself, so a WSDL from disk cannot smuggle one in.
 */

export const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NAMESPACE = 'http://www.w3.org/2000/xmlns/';

export interface XmlAttribute {
  /** Qualified name as written. */
  name: string;
  local: string;
  /** Resolved namespace; unprefixed attributes have none. */
  ns?: string;
  /** Decoded value. */
  value: string;
  /** Offsets of the raw value between the quotes. */
  valueStart: number;
  valueEnd: number;
}

export interface XmlCdata {
  /** Offset of `<![CDATA[` and just after `]]>`. */
  start: number;
  end: number;
  text: string;
}

export interface XmlElement {
  /** Qualified name as written. */
  name: string;
  local: string;
  ns?: string;
  attributes: XmlAttribute[];
  children: XmlElement[];
  /** Prefix -> namespace in scope at this element ('' is the default namespace). */
  scope: ReadonlyMap<string, string>;
  /** Offset of `<` of the start tag, and just after the end tag (or `/>`). */
  start: number;
  end: number;
  /** Offsets of the content between the tags (equal for an empty or self-closing element). */
  contentStart: number;
  contentEnd: number;
  /** True when the element holds character data other than whitespace (CDATA counts). */
  hasText: boolean;
  cdata: XmlCdata[];
}

export class XmlReadError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} (at offset ${offset})`);
    this.name = 'XmlReadError';
  }
}

export function attribute(element: XmlElement, local: string, ns?: string): XmlAttribute | undefined {
  return element.attributes.find((a) => a.local === local && a.ns === ns);
}

/** Resolves a QName written in an attribute value (`tns:Foo`) in the element's scope. */
export function resolveQName(element: XmlElement, qname: string): { ns?: string; local: string } {
  const colon = qname.indexOf(':');
  if (colon < 0) return { ns: element.scope.get(''), local: qname };
  return { ns: element.scope.get(qname.slice(0, colon)), local: qname.slice(colon + 1) };
}

export function readXmlTree(text: string): XmlElement {
  const root = new TreeReader(text).read();
  return root;
}

const NAME_END = /[\s/>=]/;

class TreeReader {
  private pos = 0;
  private readonly stack: XmlElement[] = [];
  private root: XmlElement | undefined;

  constructor(private readonly text: string) {}

  read(): XmlElement {
    const { text } = this;
    while (this.pos < text.length) {
      const lt = text.indexOf('<', this.pos);
      const textEnd = lt < 0 ? text.length : lt;
      if (textEnd > this.pos) this.characters(this.pos, textEnd);
      if (lt < 0) break;
      this.pos = lt;
      if (text.startsWith('<!--', lt)) this.pos = this.skipPast('-->', lt + 4, 'comment');
      else if (text.startsWith('<![CDATA[', lt)) this.cdataSection(lt);
      else if (text.startsWith('<?', lt)) this.pos = this.skipPast('?>', lt + 2, 'processing instruction');
      else if (text.startsWith('<!', lt)) throw new XmlReadError('DOCTYPE and other declarations are not accepted', lt);
      else if (text.startsWith('</', lt)) this.endTag(lt);
      else this.startTag(lt);
    }
    if (this.stack.length > 0) throw new XmlReadError(`element <${this.stack.at(-1)!.name}> is not closed`, text.length);
    if (!this.root) throw new XmlReadError('no root element', 0);
    return this.root;
  }

  private skipPast(marker: string, from: number, what: string): number {
    const at = this.text.indexOf(marker, from);
    if (at < 0) throw new XmlReadError(`${what} is not closed`, from);
    return at + marker.length;
  }

  private characters(from: number, to: number): void {
    const current = this.stack.at(-1);
    if (!current) {
      if (this.text.slice(from, to).trim() !== '') throw new XmlReadError('text outside the root element', from);
      return;
    }
    if (!current.hasText && /\S/.test(this.text.slice(from, to))) current.hasText = true;
  }

  private cdataSection(lt: number): void {
    const end = this.skipPast(']]>', lt + 9, 'CDATA section');
    const current = this.stack.at(-1);
    if (!current) throw new XmlReadError('CDATA outside the root element', lt);
    current.cdata.push({ start: lt, end, text: this.text.slice(lt + 9, end - 3) });
    current.hasText = true;
    this.pos = end;
  }

  private endTag(lt: number): void {
    const gt = this.text.indexOf('>', lt);
    if (gt < 0) throw new XmlReadError('end tag is not closed', lt);
    const name = this.text.slice(lt + 2, gt).trim();
    const open = this.stack.pop();
    if (!open || open.name !== name) throw new XmlReadError(`end tag </${name}> does not match <${open?.name ?? ''}>`, lt);
    open.end = gt + 1;
    open.contentEnd = lt;
    this.pos = gt + 1;
  }

  private startTag(lt: number): void {
    const { text } = this;
    let i = lt + 1;
    const nameStart = i;
    while (i < text.length && !NAME_END.test(text[i]!)) i++;
    const name = text.slice(nameStart, i);
    if (!name) throw new XmlReadError('element without a name', lt);

    const raw: Array<{ name: string; value: string; valueStart: number; valueEnd: number }> = [];
    let selfClosing = false;
    for (;;) {
      while (i < text.length && /\s/.test(text[i]!)) i++;
      if (i >= text.length) throw new XmlReadError(`start tag <${name}> is not closed`, lt);
      if (text[i] === '>') {
        i++;
        break;
      }
      if (text.startsWith('/>', i)) {
        selfClosing = true;
        i += 2;
        break;
      }
      const attrStart = i;
      while (i < text.length && !NAME_END.test(text[i]!)) i++;
      const attrName = text.slice(attrStart, i);
      while (i < text.length && /\s/.test(text[i]!)) i++;
      if (!attrName || text[i] !== '=') throw new XmlReadError(`attribute without a value in <${name}>`, attrStart);
      i++;
      while (i < text.length && /\s/.test(text[i]!)) i++;
      const quote = text[i];
      if (quote !== '"' && quote !== "'") throw new XmlReadError(`attribute ${attrName} is not quoted`, i);
      const valueStart = i + 1;
      const valueEnd = text.indexOf(quote, valueStart);
      if (valueEnd < 0) throw new XmlReadError(`attribute ${attrName} is not closed`, valueStart);
      raw.push({ name: attrName, value: decodeEntities(text.slice(valueStart, valueEnd), valueStart), valueStart, valueEnd });
      i = valueEnd + 1;
    }

    const parent = this.stack.at(-1);
    if (!parent && this.root) throw new XmlReadError('a second root element', lt);
    const scope = new Map(parent?.scope ?? [['xml', XML_NAMESPACE]]);
    for (const a of raw) {
      if (a.name === 'xmlns') scope.set('', a.value);
      else if (a.name.startsWith('xmlns:')) scope.set(a.name.slice(6), a.value);
    }
    const [prefix, local] = splitName(name);
    const ns = prefix === undefined ? scope.get('') || undefined : scope.get(prefix);
    if (prefix !== undefined && ns === undefined) throw new XmlReadError(`prefix "${prefix}" of <${name}> is not bound`, lt);

    const attributes: XmlAttribute[] = raw.map((a) => {
      const [attrPrefix, attrLocal] = splitName(a.name);
      let attrNs: string | undefined;
      if (a.name === 'xmlns' || attrPrefix === 'xmlns') attrNs = XMLNS_NAMESPACE;
      else if (attrPrefix !== undefined) {
        attrNs = scope.get(attrPrefix);
        if (attrNs === undefined) throw new XmlReadError(`prefix "${attrPrefix}" of attribute ${a.name} is not bound`, a.valueStart);
      }
      return { name: a.name, local: attrLocal, ns: attrNs, value: a.value, valueStart: a.valueStart, valueEnd: a.valueEnd };
    });

    const element: XmlElement = { name, local, ns, attributes, children: [], scope, start: lt, end: i, contentStart: i, contentEnd: i, hasText: false, cdata: [] };
    if (parent) parent.children.push(element);
    else this.root = element;
    if (!selfClosing) this.stack.push(element);
    this.pos = i;
  }
}

/**
 * The character data of an element that holds no child elements, entities decoded and CDATA
 * sections taken literally; comments and processing instructions are dropped. `text` must be the
 * text the tree was read from.
 */
export function leafText(text: string, element: XmlElement): string {
  if (element.children.length > 0) throw new XmlReadError(`<${element.name}> holds elements where text was expected`, element.start);
  const raw = text.slice(element.contentStart, element.contentEnd);
  // Plain character data (the usual case, a whole document escaped in it) needs no search for markup.
  if (!raw.includes('<')) return decodeEntities(raw, element.contentStart);
  let out = '';
  let pos = 0;
  for (const match of raw.matchAll(/<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>/g)) {
    out += decodeEntities(raw.slice(pos, match.index), element.contentStart + pos);
    if (match[1] !== undefined) out += match[1];
    pos = match.index + match[0].length;
  }
  return out + decodeEntities(raw.slice(pos), element.contentStart + pos);
}

const ENCODER = new TextEncoder();

/**
 * leafText as UTF-8 bytes, exactly what TextEncoder makes of it, for a caller that needs the bytes
 * anyway (a document sent escaped in an envelope): the raw text is encoded once and its references are
 * decoded in place, without the string of the decoded text and its many pieces in between. Text with
 * markup (CDATA, comments) and references to surrogates take leafText's way.
 */
export function leafBytes(text: string, element: XmlElement): Uint8Array {
  if (element.children.length > 0) throw new XmlReadError(`<${element.name}> holds elements where text was expected`, element.start);
  const raw = text.slice(element.contentStart, element.contentEnd);
  if (raw.includes('<')) return ENCODER.encode(leafText(text, element));
  const bytes = ENCODER.encode(raw);
  let read = bytes.indexOf(0x26);
  if (read === -1) return bytes;
  const length = bytes.length;
  let write = read;
  while (read < length) {
    const c = bytes[read]!;
    if (c !== 0x26) {
      bytes[write++] = c;
      read++;
      continue;
    }
    // As decodeEntities: a reference runs from '&' to the next ';'; without one the rest stays as it is.
    let semicolon = read + 1;
    while (semicolon < length && bytes[semicolon] !== 0x3b) semicolon++;
    if (semicolon === length) {
      bytes.copyWithin(write, read);
      write += length - read;
      break;
    }
    const byte = predefinedByte(bytes, read + 1, semicolon);
    if (byte !== undefined) bytes[write++] = byte;
    else {
      // Any other reference is read (and refused) as decodeEntities does; its character is never longer than it.
      const char = referenceText(Buffer.from(bytes.buffer, bytes.byteOffset + read + 1, semicolon - read - 1).toString('utf8'), element.contentStart);
      // A surrogate may pair with its neighbour in the text, which only the string can tell.
      if (char.length === 1 && (char.charCodeAt(0) & 0xf800) === 0xd800) return ENCODER.encode(leafText(text, element));
      write += ENCODER.encodeInto(char, bytes.subarray(write)).written;
    }
    read = semicolon + 1;
  }
  return bytes.slice(0, write);
}

/** The byte lt, gt, amp, quot or apos between `from` and `to` stands for, else undefined. */
function predefinedByte(bytes: Uint8Array, from: number, to: number): number | undefined {
  const c0 = bytes[from];
  const c1 = bytes[from + 1];
  switch (to - from) {
    case 2:
      if (c1 !== 0x74) return undefined;
      return c0 === 0x6c ? 0x3c : c0 === 0x67 ? 0x3e : undefined;
    case 3:
      return c0 === 0x61 && c1 === 0x6d && bytes[from + 2] === 0x70 ? 0x26 : undefined;
    case 4:
      if (bytes[from + 2] !== 0x6f) return undefined;
      if (c0 === 0x71 && c1 === 0x75 && bytes[from + 3] === 0x74) return 0x22;
      return c0 === 0x61 && c1 === 0x70 && bytes[from + 3] === 0x73 ? 0x27 : undefined;
    default:
      return undefined;
  }
}

function splitName(name: string): [string | undefined, string] {
  const colon = name.indexOf(':');
  return colon < 0 ? [undefined, name] : [name.slice(0, colon), name.slice(colon + 1)];
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/**
 * Replaces every `&...;` (from a '&' to the next ';'), as a document escaped in an envelope is full of
 * them: one pass with indexOf, the five predefined entities recognised without slicing.
 */
function decodeEntities(raw: string, offset: number): string {
  let amp = raw.indexOf('&');
  if (amp === -1) return raw;
  let out = '';
  let done = 0;
  while (amp !== -1) {
    const semicolon = raw.indexOf(';', amp + 1);
    if (semicolon === -1) break;
    out += raw.slice(done, amp) + referenceValue(raw, amp, semicolon, offset);
    done = semicolon + 1;
    amp = raw.indexOf('&', done);
  }
  return done === 0 ? raw : out + raw.slice(done);
}

/** The text of the reference from `amp` ('&') to `semicolon`. */
function referenceValue(raw: string, amp: number, semicolon: number, offset: number): string {
  switch (semicolon - amp) {
    case 3:
      if (raw.charCodeAt(amp + 2) === 0x74) {
        if (raw.charCodeAt(amp + 1) === 0x6c) return '<';
        if (raw.charCodeAt(amp + 1) === 0x67) return '>';
      }
      break;
    case 4:
      if (raw.startsWith('amp', amp + 1)) return '&';
      break;
    case 5:
      if (raw.startsWith('quot', amp + 1)) return '"';
      if (raw.startsWith('apos', amp + 1)) return "'";
      break;
  }
  return referenceText(raw.slice(amp + 1, semicolon), offset);
}

/** The text of the reference named `ref` (what stands between '&' and ';'). */
function referenceText(ref: string, offset: number): string {
  if (ref.startsWith('#')) {
    const code = ref.startsWith('#x') ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    if (!Number.isInteger(code) || code < 1 || code > 0x10ffff) throw new XmlReadError(`bad character reference &${ref};`, offset);
    return String.fromCodePoint(code);
  }
  // Own keys only: `&constructor;` must not find Object.prototype's.
  const value = Object.hasOwn(PREDEFINED, ref) ? PREDEFINED[ref] : undefined;
  if (value === undefined) throw new XmlReadError(`unknown entity &${ref};`, offset);
  return value;
}
