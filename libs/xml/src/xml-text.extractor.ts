import type { XmlInspection } from './xml.parser.js';
import { CDATA_KEY, TEXT_KEY, type XmlTree } from './xml.tree.js';

const UUID = /^(?:urn:uuid:)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SHORT_CODE = /^\d{1,4}$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$/;
const BOOLEAN = /^(?:true|false)$/i;

/** True for values that identify or flag rather than say something: UUIDs, short codes, dates, booleans. */
export function isTechnicalValue(value: string): boolean {
  return UUID.test(value) || SHORT_CODE.test(value) || ISO_DATE_TIME.test(value) || BOOLEAN.test(value);
}

/**
 * The readable text of any XML document for the AI steps: text and CDATA in document order, one
 * piece per line, trimmed, without empty lines and technical values, so a summary is about content.
 * Attribute values, comments and processing instructions are not text.
 */
export function extractText(inspection: Pick<XmlInspection, 'tree'>): string {
  const lines: string[] = [];
  const addLine = (line: string) => {
    const trimmed = line.trim();
    if (trimmed !== '' && !isTechnicalValue(trimmed)) lines.push(trimmed);
  };
  const add = (value: unknown) => {
    if (typeof value !== 'string') return;
    // Most values are one line: no split (and no array) for them.
    if (!value.includes('\n') && !value.includes('\r')) addLine(value);
    else for (const line of value.split(/\r\n|[\n\r]/)) addLine(line);
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
  return lines.join('\n');
}
