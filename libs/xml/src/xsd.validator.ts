import type * as Libxml2 from 'libxml2-wasm';
import { decodeXmlInput, readDeclaredEncoding } from './xml-encoding.decoder.js';
import { xmlRefusal } from './xml.errors.js';

/**
 * The libxml2-wasm module. This file only borrows it from the schema loader (which imports it lazily), so
 * reading this file costs nothing at start-up and it does no I/O of its own.
 */
export type Libxml2Module = typeof Libxml2;
export type Libxml2Document = Libxml2.XmlDocument;

/** One problem found in a document: 1-based line; column as libxml2 gives it (0 for schema errors, which libxml2 does not locate further). */
export interface XsdValidationIssue {
  line: number;
  column: number;
  message: string;
}

export interface XsdValidationResult {
  valid: boolean;
  /** Well-formedness errors (the document could not be read) or schema errors, in document order. */
  errors: XsdValidationIssue[];
}

/** A document read by libxml2, or what kept it from being read. The caller disposes `document`. */
export type ParsedXmlDocument = { document: Libxml2Document; errors?: undefined } | { document?: undefined; errors: XsdValidationIssue[] };

/**
 * Parser flags for untrusted input: no network, no external DTD or entity, never entity substitution
 * (no XML_PARSE_NOENT, no XML_PARSE_DTDLOAD); line numbers above 65535 stay right.
 */
export function untrustedParseOptions(lib: Libxml2Module): number {
  const { ParseOption } = lib;
  return ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE | ParseOption.XML_PARSE_BIG_LINES;
}

/**
 * Reads untrusted XML with libxml2 for validation. UTF-8 bytes go to libxml2 as they are; anything else
 * is decoded by the project's own decoder (same encodings, same refusals as inspectXml) and handed over as
 * UTF-8. Not well-formed XML comes back as `errors` with libxml2's line and column. A document with a
 * DOCTYPE is refused (InputError 'doctype'), as inspectXml refuses it, and so are unsupported encodings.
 */
export function parseUntrustedXml(lib: Libxml2Module, input: Uint8Array | string): ParsedXmlDocument {
  const empty = typeof input === 'string' ? input.length === 0 : input.byteLength === 0;
  if (empty) throw xmlRefusal('empty', 'XML input is empty');
  const bytes = typeof input === 'string' ? undefined : asUtf8(input);
  const utf8 = bytes ?? Buffer.from(decodeXmlInput(input).text, 'utf8');
  // Refused before libxml2 reads the DTD at all; the check after parsing catches what this look misses.
  if (prologHasDoctype(utf8)) throw doctypeRefusal();
  let document: Libxml2Document;
  try {
    // The encoding is given, so a declaration naming another one cannot make libxml2 re-read the UTF-8 bytes.
    document = lib.XmlDocument.fromBuffer(utf8, { encoding: 'utf-8', option: untrustedParseOptions(lib) });
  } catch (error) {
    if (error instanceof lib.XmlParseError) return { errors: issuesOf(error.details, 'XML is not well-formed') };
    throw error;
  }
  if (document.dtd !== null) {
    document.dispose();
    throw doctypeRefusal();
  }
  return { document };
}

function doctypeRefusal() {
  return xmlRefusal('doctype', 'XML with a DOCTYPE (DTD) is not accepted: DTDs can declare entities that expand without bound or read local files');
}

/** How far into the input the prolog is looked at for a DOCTYPE (comments before the root can be long). */
const PROLOG_WINDOW = 64 * 1024;
/** Where the look starts: most prologs end within it, and only the part looked at is turned into text. */
const PROLOG_HEAD = 1024;

/** Whether the prolog (declaration, comments, processing instructions, blanks) holds a DOCTYPE. */
function prologHasDoctype(utf8: Uint8Array): boolean {
  const text = (length: number) => Buffer.from(utf8.buffer, utf8.byteOffset, Math.min(length, utf8.byteLength)).toString('latin1');
  const seen = prologLook(text(PROLOG_HEAD));
  return seen === 'more' && utf8.byteLength > PROLOG_HEAD ? prologLook(text(PROLOG_WINDOW)) === 'doctype' : seen === 'doctype';
}

/** What the start of a document shows: a DOCTYPE, something else after the prolog, or a prolog running past `head`. */
function prologLook(head: string): 'doctype' | 'none' | 'more' {
  let i = 0;
  for (;;) {
    while (i < head.length && ' \t\r\n'.includes(head[i]!)) i++;
    if (head.startsWith('<?', i)) {
      const end = head.indexOf('?>', i + 2);
      if (end === -1) return 'more';
      i = end + 2;
    } else if (head.startsWith('<!--', i)) {
      const end = head.indexOf('-->', i + 4);
      if (end === -1) return 'more';
      i = end + 3;
    } else if (head.length - i < 9) {
      return '<!DOCTYPE'.startsWith(head.slice(i).toUpperCase()) ? 'more' : 'none';
    } else {
      return head.slice(i, i + 9).toUpperCase() === '<!DOCTYPE' ? 'doctype' : 'none';
    }
  }
}

/**
 * UTF-8 input as libxml2 should see it, or undefined when the project's decoder must look at it first:
 * a UTF-16/UTF-32 mark or pattern, or a declared encoding other than UTF-8.
 */
function asUtf8(input: Uint8Array): Uint8Array | undefined {
  let start = 0;
  if (input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf) start = 3;
  else if (input[0] === 0x00 || input[0] === 0xfe || input[0] === 0xff || input[1] === 0x00) return undefined;
  const head = Buffer.from(input.buffer, input.byteOffset + start, Math.min(1024, input.byteLength - start)).toString('latin1');
  const declared = readDeclaredEncoding(head);
  if (declared !== undefined && !/^utf-?8$/i.test(declared)) return undefined;
  return start === 0 ? input : input.subarray(start);
}

/** libxml2's error details as issues; messages lose their trailing newline. */
export function issuesOf(details: ReadonlyArray<{ line: number; col: number; message: string }> | undefined, fallback: string): XsdValidationIssue[] {
  const issues = (details ?? []).map((detail) => ({ line: detail.line, column: detail.col, message: detail.message.trim() }));
  // libxml2 says nothing for some inputs (e.g. only a byte order mark); the result must still say why.
  return issues.length > 0 ? issues : [{ line: 0, column: 0, message: fallback }];
}

/**
 * A compiled XSD schema. Compile it once (see loadXsdSchema) and validate many documents with it:
 * validation is synchronous and does no I/O. Dispose it when it is no longer needed; the
 * loader's cache owns the ones it hands out.
 */
export class XsdSchemaValidator {
  private disposed = false;

  constructor(
    private readonly lib: Libxml2Module,
    private readonly compiled: Libxml2.XsdValidator,
    /** Absolute path of the schema's entry file. */
    readonly schemaPath: string,
    /** The parsed entry file: libxml2's compiled schema may point into it, so it lives as long as the validator. */
    private readonly schemaDocument?: Libxml2Document,
  ) {}

  /** Validates untrusted XML (bytes or text). Throws InputError only for refused input (DOCTYPE, encoding, empty). */
  validate(input: Uint8Array | string): XsdValidationResult {
    const parsed = parseUntrustedXml(this.lib, input);
    if (parsed.errors) return { valid: false, errors: parsed.errors };
    try {
      return this.validateDocument(parsed.document);
    } finally {
      parsed.document.dispose();
    }
  }

  /** Validates a document parsed by parseUntrustedXml; the caller keeps owning (and disposes) it. */
  validateDocument(document: Libxml2Document): XsdValidationResult {
    if (this.disposed) throw new Error(`The validator for ${this.schemaPath} has been disposed`);
    try {
      this.compiled.validate(document);
      return { valid: true, errors: [] };
    } catch (error) {
      if (error instanceof this.lib.XmlValidateError) return { valid: false, errors: issuesOf(error.details, 'The document is not valid against the schema') };
      throw error;
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.compiled.dispose();
    this.schemaDocument?.dispose();
  }
}
