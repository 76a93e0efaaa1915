import { CDATA_KEY, TEXT_KEY, type XmlTree } from './xml.tree.js';

const UUID = /^(?:urn:uuid:)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SHORT_CODE = /^\d{1,4}$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$/;
const BOOLEAN = /^(?:true|false)$/i;

/** True for values that identify or flag rather than say something: UUIDs, short codes, dates, booleans. */
export function isTechnicalValue(value: string): boolean {
  // Each kind starts with a digit or has the length of a UUID or a boolean: most lines need no pattern.
  const first = value.charCodeAt(0);
  if (first >= 0x30 && first <= 0x39) return UUID.test(value) || SHORT_CODE.test(value) || ISO_DATE_TIME.test(value);
  if (value.length === 36 || value.length === 45) return UUID.test(value);
  return (value.length === 4 || value.length === 5) && BOOLEAN.test(value);
}

/**
 * Collects the readable text (see extractText) from the values of text nodes and CDATA sections,
 * given in document order, entities decoded: one line per piece, trimmed, without empty lines and
 * technical values.
 */
export class ReadableTextCollector {
  private readonly lines: string[] = [];

  add(value: string): void {
    // Most values are one line: no split (and no array) for them.
    if (!value.includes('\n') && !value.includes('\r')) this.addLine(value);
    else for (const line of value.split(/\r\n|[\n\r]/)) this.addLine(line);
  }

  toString(): string {
    return this.lines.join('\n');
  }

  private addLine(line: string): void {
    const trimmed = line.trim();
    if (trimmed !== '' && !isTechnicalValue(trimmed)) this.lines.push(trimmed);
  }
}

/**
 * The readable text of any XML document for the AI steps: text and CDATA in document order, one
 * piece per line, trimmed, without empty lines and technical values, so a summary is about content.
 * Attribute values, comments and processing instructions are not text.
 */
export function extractText(inspection: { tree: XmlTree }): string {
  const text = new ReadableTextCollector();
  const add = (value: unknown) => {
    if (typeof value === 'string') text.add(value);
  };
  // Depth-first in document order without recursion: push children in reverse.
  const work: XmlTree = [...inspection.tree].reverse();
  for (let node = work.pop(); node; node = work.pop()) {
    // The tree's nodes are plain objects: for...in visits their own keys without making an array.
    for (const key in node) {
      const value = node[key];
      if (key === TEXT_KEY) add(value);
      else if (key === CDATA_KEY && Array.isArray(value)) add(value.map((part: Record<string, unknown>) => String(part[TEXT_KEY] ?? '')).join(''));
      else if (Array.isArray(value)) for (let i = value.length - 1; i >= 0; i--) work.push(value[i] as Record<string, unknown>);
    }
  }
  return text.toString();
}
