import mammoth from 'mammoth';
import { InputError } from '@app/contracts';
import { readXmlHeaderAndText, type XmlLimits } from '@app/xml';
import { extractPdfText, PdfUnreadableError } from './pdf-text.extractor.js';
import { readZipContainer, type ZipLimits } from './zip-container.reader.js';

export const MEDIA_TYPES = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  text: 'text/plain',
  xml: 'application/xml',
  other: 'application/octet-stream',
} as const;

/** Media types by file extension, for documents whose text is not read (listed as parts all the same). */
const OTHER_TYPES: Readonly<Record<string, string>> = {
  doc: 'application/msword',
  odt: 'application/vnd.oasis.opendocument.text',
  rtf: 'application/rtf',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  xls: 'application/vnd.ms-excel',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  eml: 'message/rfc822',
  msg: 'application/vnd.ms-outlook',
  html: 'text/html',
  htm: 'text/html',
  csv: 'text/csv',
  zip: 'application/zip',
};

/** xdomea code list Dateiformat 1.0: the codes whose text can be read. */
const FORMAT_CODES: Readonly<Record<string, keyof typeof MEDIA_TYPES>> = { '018': 'pdf', '044': 'pdf', '035': 'docx', '045': 'text', '030': 'xml' };

export interface DocumentToRead {
  name: string;
  data: Buffer;
  /** The xdomea Dateiformat code given for it, if any. */
  formatCode?: string;
}

export interface ExtractionBudget {
  /** Epoch milliseconds; PDF extraction stops there. */
  deadline: number;
  maxPdfPages: number;
  maxTextChars: number;
  /** Limits for a DOCX's own ZIP; `maxUnpackedBytes` is what is left of the message's unpacking allowance and shrinks as it is used. */
  zip: ZipLimits;
  xml: Partial<XmlLimits>;
}

export interface ExtractedText {
  mediaType: string;
  /** Absent when the type has no text to read or the document could not be read. */
  text?: string;
  warnings: string[];
}

/**
 * The type of a document from what it is, not only from what it is called: the file's first bytes
 * decide between PDF and ZIP-based formats, the extension and the xdomea format code between the rest.
 */
export function mediaTypeOf(document: DocumentToRead): string {
  const kind = readableKind(document);
  if (kind) return MEDIA_TYPES[kind];
  return OTHER_TYPES[extension(document.name)] ?? MEDIA_TYPES.other;
}

function readableKind(document: DocumentToRead): keyof typeof MEDIA_TYPES | undefined {
  const head = document.data.subarray(0, 1024).toString('latin1');
  const ext = extension(document.name);
  const declared = (document.formatCode && FORMAT_CODES[document.formatCode]) || undefined;
  // PDF readers accept a header within the first KiB; so does this.
  if (head.includes('%PDF-')) return 'pdf';
  if (head.startsWith('PK\u0003\u0004')) return ext === 'docx' || declared === 'docx' ? 'docx' : undefined;
  if (ext === 'txt' || declared === 'text') return 'text';
  if (ext === 'xml' || declared === 'xml') return 'xml';
  return undefined;
}

/**
 * Reads the text of one primary document. What cannot be read (a damaged PDF, a DOCX that is no DOCX,
 * binary data named .txt) becomes a warning and no text; what is an attack on the reader (a ZIP bomb
 * inside a DOCX) is refused with the InputError of the ZIP reader.
 */
export async function extractDocumentText(document: DocumentToRead, budget: ExtractionBudget): Promise<ExtractedText> {
  const kind = readableKind(document);
  const mediaType = mediaTypeOf(document);
  const label = JSON.stringify(document.name);
  try {
    switch (kind) {
      case 'pdf': {
        const pdf = await extractPdfText(document.data, label, { deadline: budget.deadline, maxPages: budget.maxPdfPages, maxChars: budget.maxTextChars });
        return withText(mediaType, pdf.text, pdf.warnings, label);
      }
      case 'docx':
        return await docxText(document, budget, label);
      case 'text': {
        const text = decodePlainText(document.data);
        if (text === undefined) return { mediaType, warnings: [`${label} is named as text but holds binary data; its text is not read`] };
        const warnings: string[] = [];
        return withText(mediaType, capped(text, budget.maxTextChars, label, warnings), warnings, label);
      }
      case 'xml': {
        const warnings: string[] = [];
        return withText(mediaType, capped(readXmlHeaderAndText(document.data, budget.xml).readableText, budget.maxTextChars, label, warnings), warnings, label);
      }
      default:
        return { mediaType, warnings: [] };
    }
  } catch (error) {
    if (error instanceof PdfUnreadableError) return { mediaType, warnings: [`${label}: its text cannot be read: ${error.message}`] };
    // A bomb inside a DOCX is refused like one in the container; other bad input only costs this document its text.
    if (error instanceof InputError && error.httpStatus === 413) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    return { mediaType, warnings: [`${label}: its text cannot be read: ${reason}`] };
  }
}

async function docxText(document: DocumentToRead, budget: ExtractionBudget, label: string): Promise<ExtractedText> {
  const mediaType = MEDIA_TYPES.docx;
  // mammoth unzips with JSZip, which knows no limits: the package goes through the guarded reader first.
  const entries = await readZipContainer(document.data, budget.zip, `the DOCX file ${label}`);
  const unpacked = entries.reduce((sum, entry) => sum + entry.data.length, 0);
  budget.zip = { ...budget.zip, maxUnpackedBytes: Math.max(budget.zip.maxUnpackedBytes - unpacked, 0) };
  if (!entries.some((entry) => entry.name === 'word/document.xml')) return { mediaType, warnings: [`${label} is not a Word document (no word/document.xml); its text is not read`] };
  // OOXML forbids DTDs (ECMA-376 Part 2); one here is an attempt on the XML parser behind mammoth.
  const withDoctype = entries.find((entry) => /\.(xml|rels)$/i.test(entry.name) && /<!DOCTYPE/i.test(entry.data.toString('latin1')));
  if (withDoctype) return { mediaType, warnings: [`${label}: its part ${withDoctype.name} declares a DTD, which OOXML forbids; its text is not read`] };
  const result = await mammoth.extractRawText({ buffer: document.data });
  const problems = result.messages.filter((message) => message.type === 'error').length;
  const warnings = problems ? [`${label}: ${problems} part(s) of the Word document could not be read`] : [];
  return withText(mediaType, capped(result.value, budget.maxTextChars, label, warnings), warnings, label);
}

function withText(mediaType: string, raw: string, warnings: string[], label: string): ExtractedText {
  const text = normaliseText(raw);
  if (text === '') return { mediaType, warnings: [...warnings, `${label} holds no text (a scan without a text layer?)`] };
  return { mediaType, text, warnings };
}

function capped(text: string, maxChars: number, label: string, warnings: string[]): string {
  if (text.length <= maxChars) return text;
  warnings.push(`${label}: text cut at ${maxChars} characters`);
  return text.slice(0, maxChars);
}

/**
 * Text of a plain-text file: UTF-8 (with or without BOM) or UTF-16 with BOM; anything else that is not
 * valid UTF-8 is taken as windows-1252, the encoding of German Windows, of which Latin-1 is a subset.
 * Undefined for binary data (NUL bytes without a UTF-16 BOM).
 */
export function decodePlainText(data: Buffer): string | undefined {
  if (data.length >= 2 && data[0] === 0xff && data[1] === 0xfe) return new TextDecoder('utf-16le').decode(data.subarray(2));
  if (data.length >= 2 && data[0] === 0xfe && data[1] === 0xff) return new TextDecoder('utf-16be').decode(data.subarray(2));
  if (data.includes(0)) return undefined;
  try {
    // ignoreBOM false (the default) drops a UTF-8 BOM.
    return new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    return decodeWindows1252(data);
  }
}

/** windows-1252 bytes 0x80-0x9F (WHATWG index); the five unassigned ones stay the C1 controls they are in Latin-1. */
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

/**
 * Node's TextDecoder('windows-1252') decodes Latin-1 (0x80-0x9F become control characters instead of
 * €, „, – and the like), so the 32 bytes where the two differ are mapped here.
 */
function decodeWindows1252(data: Buffer): string {
  return data.toString('latin1').replace(/[\u0080-\u009f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]!);
}

/** One line break style, no trailing blanks, at most one empty line in a row: text for people and models alike. */
function normaliseText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function extension(name: string): string {
  return /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';
}
