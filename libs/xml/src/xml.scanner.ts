import { decodeXmlAttributeValue, isXmlChar, XML_PREDEFINED_ENTITIES } from './xml-entity.decoder.js';
import { describePosition, xmlRefusal, type XmlRefusalCode } from './xml.errors.js';
import type { XmlLimits } from './xml.limits.js';

export const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';
export const XMLNS_NAMESPACE = 'http://www.w3.org/2000/xmlns/';

/** What one pass over the text learnt about its root element. */
export interface XmlScan {
  rootName: string;
  rootLocalName: string;
  rootPrefix?: string;
  rootNamespace?: string;
  /** Namespaces in scope at the root element, by prefix; '' is the default namespace. */
  namespaces: Record<string, string>;
}

/** An attribute as written in a start tag: its value raw (references not yet decoded). */
export interface ScannedAttribute {
  name: string;
  value: string;
  at: number;
}

/**
 * Hears the document's content in document order while the scanner checks it, so that a tree can be
 * built in the same pass. Only content inside the root element is reported; every call comes after
 * the part it reports has passed the checks (a refusal can still end the scan later on).
 */
export interface XmlScanSink {
  startElement(name: string, attributes: readonly ScannedAttribute[], selfClosing: boolean): void;
  endElement(): void;
  /** Character data as written (references not decoded, line ends not normalised); one run may come in several calls. */
  text(raw: string): void;
  /** The content of a CDATA section. */
  cdata(raw: string): void;
  /** A processing instruction inside the root element (its content is of no interest). */
  processingInstruction(): void;
}

/**
 * Names the ordered tree (inspectXml) renames because they would shadow Object.prototype members
 * when used as object keys, as fast-xml-parser's ordered output, whose shape the tree keeps, does. The renamed ones (`toString` -> `__toString`) are mapped back by the tree view, so
 * a literal `__toString` must be refused to keep that mapping unambiguous.
 */
export const JS_RENAMED_NAMES: readonly string[] = [
  'hasOwnProperty',
  'toString',
  'valueOf',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
];
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype', ...JS_RENAMED_NAMES.map((name) => `__${name}`)]);

// XML 1.0 (5th edition) Name production; ':' is allowed here and checked later as a QName separator.
const NAME_START =
  ':A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C\\u200D\\u2070-\\u218F' +
  '\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const NAME_CHAR = `${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F\\u2040`;
const NAME = new RegExp(`[${NAME_START}][${NAME_CHAR}]*`, 'uy');
// Characters XML 1.0 does not allow: C0 controls but tab, LF and CR; U+FFFE, U+FFFF; a surrogate that is not
// half of a pair. Without the u flag (same matches as [^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u),
// V8 scans a one-byte string about twice as fast; SUSPECT_CHAR first spares a two-byte string the lookarounds.
const SUSPECT_CHAR = /[\x00-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]/;
const INVALID_CHAR = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const DECLARATION = /^<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(["'])1\.[0-9]+\1(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(["'])[A-Za-z][A-Za-z0-9._-]*\2)?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(["'])(?:yes|no)\3)?[ \t\r\n]*\?>$/;

const LT = 0x3c;
const GT = 0x3e;
const AMP = 0x26;
const SLASH = 0x2f;
const EQ = 0x3d;
const QUESTION = 0x3f;
const BANG = 0x21;

type Scope = ReadonlyMap<string, string>;
const BASE_SCOPE: Scope = new Map([['xml', XML_NAMESPACE]]);

interface OpenElement {
  name: string;
  scope: Scope;
}

/**
 * Checks well-formedness, namespace well-formedness and the limits in one linear pass, before any
 * parser sees the text. It refuses every DOCTYPE, so no entity can be declared: nothing downstream
 * can expand an entity or fetch an external one. Throws InputError; returns facts about the root.
 */
export function scanXml(text: string, limits: XmlLimits, sink?: XmlScanSink): XmlScan {
  return new XmlScanner(text, limits, sink).scan();
}

class XmlScanner {
  private pos = 0;
  private readonly stack: OpenElement[] = [];
  private root: XmlScan | undefined;

  constructor(
    private readonly text: string,
    private readonly limits: XmlLimits,
    private readonly sink?: XmlScanSink,
  ) {}

  scan(): XmlScan {
    const { text } = this;
    this.checkCharacters();
    this.readDeclaration();
    while (this.pos < text.length) {
      if (this.stack.length === 0) {
        this.pos = this.skipWhitespace(this.pos);
        if (this.pos >= text.length) break;
        if (text.charCodeAt(this.pos) !== LT) {
          if (this.root) this.fail('text after the root element');
          this.fail(`expected '<' but found ${JSON.stringify(text.slice(this.pos, this.pos + 10))}`);
        }
        this.readMarkup();
      } else {
        const lt = text.indexOf('<', this.pos);
        const end = lt === -1 ? text.length : lt;
        this.checkCharacterData(this.pos, end, 'text');
        if (this.sink && end > this.pos) this.sink.text(text.slice(this.pos, end));
        this.pos = end;
        if (lt !== -1) this.readMarkup();
      }
    }
    const open = this.stack.at(-1);
    if (open) this.fail(`the document ends before closing tag '${open.name}' (truncated?)`, text.length);
    if (!this.root) this.fail('there is no root element', text.length);
    return this.root;
  }

  /** Not well-formed by default; other codes name their own problem, then where, then why. */
  private fail(problem: string, at = this.pos, code: XmlRefusalCode = 'not-xml', reason?: string): never {
    const where = describePosition(this.text, at);
    if (code === 'not-xml') throw xmlRefusal(code, `XML is not well-formed: ${where}: ${problem}`);
    throw xmlRefusal(code, `${problem}: ${where}${reason ? `: ${reason}` : ''}`);
  }

  private checkCharacters(): void {
    if (!SUSPECT_CHAR.test(this.text)) return;
    const match = INVALID_CHAR.exec(this.text);
    if (match) {
      const codePoint = match[0].codePointAt(0)!;
      this.fail(`character U+${codePoint.toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`, match.index);
    }
  }

  private readDeclaration(): void {
    const { text } = this;
    if (!text.startsWith('<?xml')) return;
    const after = text.charCodeAt(5);
    if (!isWhitespace(after) && after !== QUESTION) return; // e.g. <?xml-stylesheet ...?>
    const end = text.indexOf('?>');
    if (end === -1) this.fail('the XML declaration is not closed', 0);
    if (!DECLARATION.test(text.slice(0, end + 2))) {
      this.fail(`the XML declaration is malformed (expected version="1.0", then optional encoding and standalone)`, 0);
    }
    this.pos = end + 2;
  }

  private readMarkup(): void {
    const { text, pos } = this;
    const next = text.charCodeAt(pos + 1);
    if (next === BANG) {
      if (text.startsWith('<!--', pos)) return this.readComment();
      if (text.startsWith('<![CDATA[', pos)) {
        if (this.stack.length === 0) this.fail('a CDATA section is only allowed inside the root element');
        const end = text.indexOf(']]>', pos + 9);
        if (end === -1) this.fail('CDATA section is not closed');
        this.sink?.cdata(text.slice(pos + 9, end));
        this.pos = end + 3;
        return;
      }
      if (text.slice(pos, pos + 9).toUpperCase() === '<!DOCTYPE') {
        this.fail('XML with a DOCTYPE (DTD) is not accepted', pos, 'doctype', 'DTDs can declare entities that expand without bound or read local files');
      }
      this.fail(`'${text.slice(pos, pos + 9).split(/\s/)[0]}' is only allowed inside a DTD, and DTDs are not accepted`);
    }
    if (next === QUESTION) return this.readProcessingInstruction();
    if (next === SLASH) return this.readEndTag();
    return this.readStartTag();
  }

  private readComment(): void {
    const { text, pos } = this;
    const end = text.indexOf('-->', pos + 4);
    if (end === -1) this.fail('comment is not closed');
    const doubleHyphen = text.indexOf('--', pos + 4);
    if (doubleHyphen < end) this.fail("'--' is not allowed inside a comment", doubleHyphen);
    this.pos = end + 3;
  }

  private readProcessingInstruction(): void {
    const { text, pos } = this;
    const target = this.nameAt(pos + 2);
    if (!target) this.fail('processing instruction needs a target name');
    if (target.toLowerCase() === 'xml') this.fail('the XML declaration is only allowed at the very start of the document');
    const afterTarget = pos + 2 + target.length;
    const end = text.indexOf('?>', afterTarget);
    if (end === -1) this.fail('processing instruction is not closed');
    if (end !== afterTarget && !isWhitespace(text.charCodeAt(afterTarget))) this.fail('processing instruction target must be followed by a space', afterTarget);
    if (this.stack.length > 0) this.sink?.processingInstruction();
    this.pos = end + 2;
  }

  private readEndTag(): void {
    const { text, pos } = this;
    // Nearly always the tag that is open: compared in place, without matching a name pattern.
    const current = this.stack[this.stack.length - 1];
    if (current && text.startsWith(current.name, pos + 2)) {
      let close = pos + 2 + current.name.length;
      const after = text.charCodeAt(close);
      if (after === GT || isWhitespace(after)) {
        close = this.skipWhitespace(close);
        if (text.charCodeAt(close) === GT) {
          this.stack.pop();
          this.sink?.endElement();
          this.pos = close + 1;
          return;
        }
      }
    }
    const name = this.nameAt(pos + 2);
    if (!name) this.fail("'</' must be followed by a tag name");
    const close = this.skipWhitespace(pos + 2 + name.length);
    if (text.charCodeAt(close) !== GT) this.fail(`closing tag '${name}' is not closed with '>'`, close);
    const open = this.stack.pop();
    if (!open) this.fail(`closing tag '${name}' has no opening tag`);
    if (open.name !== name) this.fail(`closing tag '${name}' does not match '${open.name}'`);
    this.sink?.endElement();
    this.pos = close + 1;
  }

  private readStartTag(): void {
    const { text, limits } = this;
    const start = this.pos;
    const name = this.nameAt(start + 1);
    if (!name) this.fail("'<' must be followed by a tag name (write '&lt;' for a literal '<')");
    if (this.root && this.stack.length === 0) this.fail(`there is more than one root element ('${this.root.rootName}' and '${name}')`);
    if (this.stack.length >= limits.maxDepth) this.fail(`XML nests deeper than ${limits.maxDepth} levels`, start, 'too-deep');
    this.checkReservedName(name, start);

    const attributes: ScannedAttribute[] = [];
    // Duplicates are looked for among the few attributes a tag has; a set only for many.
    let seen: Set<string> | undefined;
    let p = start + 1 + name.length;
    let selfClosing = false;
    for (;;) {
      const spaceStart = p;
      p = this.skipWhitespace(p);
      const c = text.charCodeAt(p);
      if (c === GT) {
        p += 1;
        break;
      }
      if (c === SLASH && text.charCodeAt(p + 1) === GT) {
        p += 2;
        selfClosing = true;
        break;
      }
      if (p >= text.length) this.fail(`tag '${name}' is not closed (truncated?)`, start);
      if (p === spaceStart) this.fail(`unexpected ${JSON.stringify(text[p])} in tag '${name}'`, p);
      const attributeName = this.nameAt(p);
      if (!attributeName) this.fail(`unexpected ${JSON.stringify(text[p])} in tag '${name}'`, p);
      if (attributes.length >= limits.maxAttributesPerElement) {
        this.fail(`XML element '${name}' has more than ${limits.maxAttributesPerElement} attributes`, start, 'too-many-attributes');
      }
      this.checkReservedName(attributeName, p);
      if (attributes.length >= 8) seen ??= new Set(attributes.map((a) => a.name));
      if (seen ? seen.has(attributeName) : attributes.some((a) => a.name === attributeName)) {
        this.fail(`attribute '${attributeName}' appears twice in tag '${name}'`, p);
      }
      seen?.add(attributeName);
      const at = p;
      p = this.skipWhitespace(p + attributeName.length);
      if (text.charCodeAt(p) !== EQ) this.fail(`attribute '${attributeName}' needs a value (${attributeName}="...")`, p);
      p = this.skipWhitespace(p + 1);
      const quote = text[p];
      if (quote !== '"' && quote !== "'") this.fail(`the value of attribute '${attributeName}' must be in quotes`, p);
      const close = text.indexOf(quote, p + 1);
      if (close === -1) this.fail(`the value of attribute '${attributeName}' is not closed`, p);
      this.checkCharacterData(p + 1, close, 'attribute');
      attributes.push({ name: attributeName, value: text.slice(p + 1, close), at });
      p = close + 1;
    }

    const parent = this.stack[this.stack.length - 1];
    const scope = this.declareNamespaces(parent?.scope ?? BASE_SCOPE, attributes);
    // Only the root's name is taken apart; every other one is only checked.
    const rootParts = this.root ? this.checkPrefix(name, scope, start) : this.resolveName(name, scope, start, true);
    this.checkAttributeNames(attributes, scope);
    if (rootParts) {
      const namespaces: Record<string, string> = {};
      for (const [prefix, uri] of scope) if (prefix !== 'xml' && uri !== '') namespaces[prefix] = uri;
      this.root = { rootName: name, rootLocalName: rootParts.localName, namespaces };
      if (rootParts.prefix !== undefined) this.root.rootPrefix = rootParts.prefix;
      if (rootParts.namespace !== undefined) this.root.rootNamespace = rootParts.namespace;
    }
    if (!selfClosing) this.stack.push({ name, scope });
    this.sink?.startElement(name, attributes, selfClosing);
    this.pos = p;
  }

  private declareNamespaces(parent: Scope, attributes: ReadonlyArray<{ name: string; value: string; at: number }>): Scope {
    let scope: Map<string, string> | undefined;
    for (const { name, value: raw, at } of attributes) {
      if (name !== 'xmlns' && !name.startsWith('xmlns:')) continue;
      const uri = decodeXmlAttributeValue(raw);
      const prefix = name === 'xmlns' ? '' : name.slice(6);
      if (prefix === 'xmlns') this.fail("the prefix 'xmlns' must not be declared", at);
      if (prefix === 'xml' && uri !== XML_NAMESPACE) this.fail("the prefix 'xml' must not be bound to another namespace", at);
      if (prefix !== 'xml' && uri === XML_NAMESPACE) this.fail(`the XML namespace must not be bound to the prefix '${prefix}'`, at);
      if (uri === XMLNS_NAMESPACE) this.fail('the xmlns namespace must not be declared', at);
      if (prefix !== '' && uri === '') this.fail(`namespace prefix '${prefix}' must not be undeclared (xmlns:${prefix}="")`, at);
      if (prefix !== '' && !isNcName(prefix)) this.fail(`'${name}' is not a valid namespace declaration`, at);
      scope ??= new Map(parent);
      scope.set(prefix, uri);
    }
    return scope ?? parent;
  }

  private checkAttributeNames(attributes: ReadonlyArray<{ name: string; at: number }>, scope: Scope): void {
    let expanded: Set<string> | undefined;
    for (const { name, at } of attributes) {
      // An attribute without a prefix has no namespace to check or to clash in.
      if (!name.includes(':') || name.startsWith('xmlns:')) continue;
      const { prefix, localName, namespace } = this.resolveName(name, scope, at, false);
      if (prefix === undefined) continue;
      // Two prefixes for one namespace must not smuggle in the same attribute twice.
      expanded ??= new Set();
      const key = `{${namespace}}${localName}`;
      if (expanded.has(key)) this.fail(`attribute '${name}' appears twice (same namespace and name)`, at);
      expanded.add(key);
    }
  }

  private resolveName(name: string, scope: Scope, at: number, isElement: boolean): { prefix?: string; localName: string; namespace?: string } {
    const colon = name.indexOf(':');
    if (colon === -1) {
      const defaultNamespace = isElement ? scope.get('') : undefined;
      return defaultNamespace ? { localName: name, namespace: defaultNamespace } : { localName: name };
    }
    this.checkPrefix(name, scope, at);
    const prefix = name.slice(0, colon);
    return { prefix, localName: name.slice(colon + 1), namespace: scope.get(prefix)! };
  }

  /** A qualified name is well-formed and its prefix declared. */
  private checkPrefix(name: string, scope: Scope, at: number): undefined {
    const colon = name.indexOf(':');
    if (colon === -1) return;
    if (colon === 0 || colon === name.length - 1 || name.indexOf(':', colon + 1) !== -1) this.fail(`'${name}' is not a valid qualified name`, at);
    const prefix = name.slice(0, colon);
    if (!scope.has(prefix)) this.fail(`namespace prefix '${prefix}' of '${name}' is not declared`, at);
  }

  private checkReservedName(name: string, at: number): void {
    // Every reserved name starts with '_', 'c' or 'p': most names need no set look-up (and no hash).
    const first = name.charCodeAt(0);
    if (first !== 0x5f && first !== 0x63 && first !== 0x70) return;
    if (RESERVED_NAMES.has(name)) this.fail(`XML name '${name}' is not accepted`, at, 'reserved-name', 'it is reserved in JavaScript objects');
  }

  /** Text and attribute values: only known references, no ']]>' in text, no '<' in attribute values. */
  private checkCharacterData(from: number, to: number, kind: 'text' | 'attribute'): void {
    const { text } = this;
    if (kind === 'attribute') {
      for (let i = from; i < to; i++) {
        const c = text.charCodeAt(i);
        if (c === AMP) i = this.checkReference(i, to);
        else if (c === LT) this.fail("'<' is not allowed in an attribute value (write '&lt;')", i);
      }
      return;
    }
    // Text runs can be long (a whole document escaped in a SOAP envelope): jump from '&' to '&'.
    // Problems are still reported in document order: a bad reference before a ']]>' comes first.
    const close = this.cdataCloseFrom(from);
    const end = close !== -1 && close < to ? close : to;
    for (let amp = this.ampersandFrom(from); amp !== -1 && amp < end; amp = this.ampersandFrom(amp + 1)) {
      this.checkReference(amp, to);
    }
    if (end !== to) this.fail("']]>' is not allowed in text (write ']]&gt;')", end);
  }

  /*
   * Where the next '&' and the next ']]>' are, remembered between calls: the text is checked from
   * start to end, so one indexOf per occurrence does, where one per text run could scan the rest of
   * the document again and again.
   */
  private ampersand = { from: 0, at: -2 };
  private cdataClose = { from: 0, at: -2 };

  private ampersandFrom(from: number): number {
    return this.nextOccurrence(this.ampersand, '&', from);
  }

  private cdataCloseFrom(from: number): number {
    return this.nextOccurrence(this.cdataClose, ']]>', from);
  }

  private nextOccurrence(cache: { from: number; at: number }, what: string, from: number): number {
    if (cache.at === -2 || from < cache.from || (cache.at !== -1 && cache.at < from)) {
      cache.from = from;
      cache.at = this.text.indexOf(what, from);
    }
    return cache.at;
  }

  /** Checks the reference starting at '&' and returns the index of its ';'. */
  private checkReference(at: number, limit: number): number {
    const { text } = this;
    // The predefined entities first, without slicing: escaped markup is full of them.
    let known = -1;
    switch (text.charCodeAt(at + 1)) {
      case 0x6c: // &lt;
      case 0x67: // &gt;
        if (text.charCodeAt(at + 2) === 0x74 && text.charCodeAt(at + 3) === 0x3b) known = at + 3;
        break;
      case 0x61: // &amp; &apos;
        if (text.startsWith('mp;', at + 2)) known = at + 4;
        else if (text.startsWith('pos;', at + 2)) known = at + 5;
        break;
      case 0x71: // &quot;
        if (text.startsWith('uot;', at + 2)) known = at + 5;
        break;
    }
    if (known !== -1 && known < limit) return known;
    const semicolon = text.indexOf(';', at + 1);
    if (semicolon === -1 || semicolon >= limit || semicolon - at > 32) this.fail("'&' must be written as '&amp;'", at);
    const ref = text.slice(at + 1, semicolon);
    if (Object.hasOwn(XML_PREDEFINED_ENTITIES, ref)) return semicolon;
    const numeric = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(ref);
    if (numeric) {
      const codePoint = numeric[1] !== undefined ? Number.parseInt(numeric[1], 16) : Number.parseInt(numeric[2]!, 10);
      if (!isXmlChar(codePoint)) this.fail(`character reference '&${ref};' is not an allowed XML character`, at);
      return semicolon;
    }
    if (isNcName(ref)) this.fail(`entity '&${ref};' is not defined (only &lt; &gt; &amp; &apos; &quot; and character references are accepted)`, at);
    this.fail("'&' must be written as '&amp;'", at);
  }

  private nameAt(index: number): string | undefined {
    // ASCII names are read by hand; where a name meets a non-ASCII character, the full pattern decides.
    const { text } = this;
    let i = index;
    if (isAsciiNameStart(text.charCodeAt(i))) {
      i++;
      while (isAsciiNameChar(text.charCodeAt(i))) i++;
      if (!(text.charCodeAt(i) >= 0x80)) return text.slice(index, i);
    }
    NAME.lastIndex = index;
    return NAME.exec(text)?.[0];
  }

  private skipWhitespace(index: number): number {
    const { text } = this;
    let i = index;
    while (i < text.length && isWhitespace(text.charCodeAt(i))) i++;
    return i;
  }
}

/** [:A-Z_a-z]: the ASCII part of NAME_START. */
function isAsciiNameStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a;
}

/** [:A-Z_a-z.0-9-]: the ASCII part of NAME_CHAR. */
function isAsciiNameChar(c: number): boolean {
  return isAsciiNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e;
}

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function isNcName(name: string): boolean {
  NAME.lastIndex = 0;
  const match = NAME.exec(name);
  return match !== null && match[0].length === name.length && !name.includes(':');
}
