import { xmlRefusal } from './xml.errors.js';

/** The encodings accepted, by canonical name. Anything else is refused rather than guessed. */
export type XmlEncoding = 'UTF-8' | 'UTF-16LE' | 'UTF-16BE' | 'windows-1252' | 'ISO-8859-15' | 'US-ASCII';

export interface DecodedXml {
  /** The document as text, without a byte order mark. */
  text: string;
  /** How the bytes were decoded; absent for string input, which is text already. */
  encoding?: XmlEncoding;
}

type EncodingFamily = 'utf-8' | 'utf-16' | 'windows-1252' | 'iso-8859-15' | 'us-ascii';

/**
 * Declared names (lower case) to what decodes them. ISO-8859-1 is read as windows-1252, as the WHATWG
 * Encoding standard does: the two differ only in 0x80-0x9F, which are unused control characters in
 * ISO-8859-1 and in practice mean €, „, “ and – from Windows systems that declare ISO-8859-1.
 */
const DECLARED_ENCODINGS: Readonly<Record<string, EncodingFamily>> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  'utf-16': 'utf-16',
  'utf-16le': 'utf-16',
  'utf-16be': 'utf-16',
  'iso-8859-1': 'windows-1252',
  iso8859_1: 'windows-1252',
  'iso_8859-1': 'windows-1252',
  'iso8859-1': 'windows-1252',
  'iso-ir-100': 'windows-1252',
  latin1: 'windows-1252',
  'latin-1': 'windows-1252',
  l1: 'windows-1252',
  cp819: 'windows-1252',
  ibm819: 'windows-1252',
  'windows-1252': 'windows-1252',
  cp1252: 'windows-1252',
  'x-cp1252': 'windows-1252',
  'iso-8859-15': 'iso-8859-15',
  'iso8859-15': 'iso-8859-15',
  'iso_8859-15': 'iso-8859-15',
  'latin-9': 'iso-8859-15',
  latin9: 'iso-8859-15',
  'us-ascii': 'us-ascii',
  ascii: 'us-ascii',
  'iso646-us': 'us-ascii',
  'ansi_x3.4-1968': 'us-ascii',
};

const SUPPORTED = 'UTF-8, UTF-16, ISO-8859-1, windows-1252, ISO-8859-15 or US-ASCII';

/** The encoding named in an XML declaration at the start of `head`, as written. */
export function readDeclaredEncoding(head: string): string | undefined {
  if (!head.startsWith('<?xml')) return undefined;
  const end = head.indexOf('?>');
  const declaration = end === -1 ? head : head.slice(0, end);
  return /\sencoding\s*=\s*(["'])([^"']*)\1/.exec(declaration)?.[2];
}

function familyOf(declared: string): EncodingFamily {
  const family = DECLARED_ENCODINGS[declared.toLowerCase()];
  if (!family) throw xmlRefusal('encoding', `XML declares encoding '${declared}', which is not supported (use ${SUPPORTED})`);
  return family;
}

/**
 * Turns input into text: honours a byte order mark, then the encoding in the XML declaration, then
 * falls back to UTF-8 (XML's default). A declaration that contradicts the bytes is refused, not
 * trusted: decoding with the wrong table silently garbles names and umlauts.
 */
export function decodeXmlInput(input: Uint8Array | string): DecodedXml {
  if (typeof input === 'string') return decodeString(input);
  const bytes = input;
  const b0 = bytes[0];
  const b1 = bytes[1];
  const b2 = bytes[2];
  const b3 = bytes[3];

  // UTF-32 marks first: FF FE 00 00 would otherwise look like UTF-16LE.
  if ((b0 === 0x00 && b1 === 0x00 && b2 === 0xfe && b3 === 0xff) || (b0 === 0xff && b1 === 0xfe && b2 === 0x00 && b3 === 0x00)) {
    throw xmlRefusal('encoding', `XML in UTF-32 is not supported (use ${SUPPORTED})`);
  }
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) {
    const text = decodeUtf8(bytes.subarray(3), 'it starts with a UTF-8 byte order mark');
    expectDeclared(text, ['utf-8'], 'a UTF-8 byte order mark');
    return { text, encoding: 'UTF-8' };
  }
  if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff)) {
    const littleEndian = b0 === 0xff;
    const text = decodeUtf16(bytes.subarray(2), littleEndian);
    expectDeclared(text, ['utf-16'], 'a UTF-16 byte order mark');
    return { text, encoding: littleEndian ? 'UTF-16LE' : 'UTF-16BE' };
  }
  // '<?' in UTF-16 without a byte order mark (XML 1.0 Appendix F): tolerated, the pattern is unambiguous.
  if ((b0 === 0x3c && b1 === 0x00 && b2 === 0x3f && b3 === 0x00) || (b0 === 0x00 && b1 === 0x3c && b2 === 0x00 && b3 === 0x3f)) {
    const littleEndian = b0 === 0x3c;
    const text = decodeUtf16(bytes, littleEndian);
    expectDeclared(text, ['utf-16'], 'UTF-16 bytes');
    return { text, encoding: littleEndian ? 'UTF-16LE' : 'UTF-16BE' };
  }
  if ((b0 === 0x00 && b1 === 0x00 && b2 === 0x00 && b3 === 0x3c) || (b0 === 0x3c && b1 === 0x00 && b2 === 0x00 && b3 === 0x00)) {
    throw xmlRefusal('encoding', `XML in UTF-32 is not supported (use ${SUPPORTED})`);
  }
  if (b0 === 0x4c && b1 === 0x6f && b2 === 0xa7 && b3 === 0x94) {
    throw xmlRefusal('encoding', `XML in EBCDIC is not supported (use ${SUPPORTED})`);
  }

  // From here the bytes must be ASCII-compatible, so the first non-blank byte of any XML is '<'.
  const first = firstNonBlankByte(bytes);
  if (first !== undefined && bytes[first] !== 0x3c) {
    throw xmlRefusal('not-xml', `Input is not XML: it does not start with '<' (found byte 0x${bytes[first]!.toString(16).padStart(2, '0')})`);
  }

  // The declaration is pure ASCII in every ASCII-compatible encoding, so a byte-for-byte read finds it.
  const head = latin1(bytes.subarray(0, 1024));
  const declared = readDeclaredEncoding(head);
  const family = declared === undefined ? 'utf-8' : familyOf(declared);
  switch (family) {
    case 'utf-8':
      return { text: decodeUtf8(bytes, declared === undefined ? 'no encoding is declared, so it must be UTF-8' : `it declares '${declared}'`), encoding: 'UTF-8' };
    case 'us-ascii': {
      const high = bytes.findIndex((b) => b > 0x7f);
      if (high !== -1) throw xmlRefusal('encoding', `XML declares '${declared}' but byte ${high} is 0x${bytes[high]!.toString(16)}, outside US-ASCII`);
      return { text: latin1(bytes), encoding: 'US-ASCII' };
    }
    case 'windows-1252':
      return { text: windows1252(bytes), encoding: 'windows-1252' };
    case 'iso-8859-15':
      return { text: decodeWith('iso-8859-15', bytes, declared ?? 'ISO-8859-15'), encoding: 'ISO-8859-15' };
    case 'utf-16':
      throw xmlRefusal('encoding', `XML declares '${declared}' but its bytes are not UTF-16 (no byte order mark, and the declaration itself is single-byte text)`);
  }
}

function decodeString(input: string): DecodedXml {
  // A string is text already: its declaration describes bytes that no longer exist, so only an unknown name is refused.
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const declared = readDeclaredEncoding(text.slice(0, 1024));
  if (declared !== undefined) familyOf(declared);
  return { text };
}

function expectDeclared(text: string, allowed: EncodingFamily[], evidence: string): void {
  const declared = readDeclaredEncoding(text.slice(0, 1024));
  if (declared === undefined) return;
  const family = familyOf(declared);
  if (!allowed.includes(family)) throw xmlRefusal('encoding', `XML declares encoding '${declared}' but starts with ${evidence}`);
}

function firstNonBlankByte(bytes: Uint8Array): number | undefined {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return i;
  }
  return undefined;
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** windows-1252 at 0x80-0x9F; the five unassigned bytes stay as their C1 code points, as in WHATWG. */
const WINDOWS_1252_HIGH =
  '\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F' +
  '\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178';

/**
 * Own table instead of TextDecoder('windows-1252'): Node 20 labels that decoder windows-1252 but
 * decodes 0x80-0x9F as ISO-8859-1, and later versions differ, so the result would depend on the runtime.
 */
function windows1252(bytes: Uint8Array): string {
  return latin1(bytes).replace(/[\u0080-\u009F]/g, (c) => WINDOWS_1252_HIGH[c.charCodeAt(0) - 0x80]!);
}

function decodeUtf8(bytes: Uint8Array, why: string): string {
  try {
    // ignoreBOM keeps a second, stray mark visible instead of silently dropping it.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw xmlRefusal('encoding', `XML is not valid UTF-8 (${why}); declare the real encoding in the XML declaration`);
  }
}

function decodeUtf16(bytes: Uint8Array, littleEndian: boolean): string {
  if (bytes.length % 2 !== 0) throw xmlRefusal('encoding', 'XML is not valid UTF-16: odd number of bytes');
  let source = bytes;
  if (!littleEndian) {
    // Swapped by hand: 'utf-16be' in TextDecoder needs a Node built with full ICU.
    source = new Uint8Array(bytes.length);
    for (let i = 0; i < bytes.length; i += 2) {
      source[i] = bytes[i + 1]!;
      source[i + 1] = bytes[i]!;
    }
  }
  try {
    return new TextDecoder('utf-16le', { fatal: true, ignoreBOM: true }).decode(source);
  } catch {
    throw xmlRefusal('encoding', 'XML is not valid UTF-16 (unpaired surrogate)');
  }
}

function decodeWith(label: string, bytes: Uint8Array, declared: string): string {
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(label);
  } catch {
    throw xmlRefusal('encoding', `XML declares '${declared}', which this runtime cannot decode (use ${SUPPORTED})`);
  }
  return decoder.decode(bytes);
}
