import { textContent, type XmlElement } from '@app/xml';
import { isDecimal } from './decimal.arithmetic.js';
import type { InvoiceFinding, InvoiceFindingSeverity, InvoiceNote, ItemClassification, PartyIdentifier } from './invoice-facts.types.js';
import { attributeOf } from './xml-path.helper.js';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:Z|[+-]\d{2}:\d{2})?$/;
const COMPACT_DATE = /^(\d{4})(\d{2})(\d{2})$/;
/** UBL carries BT-21 as a prefix of the note: `#ADU#Es gelten unsere AGB`. */
const NOTE_SUBJECT = /^#([A-Z]{3})#/;

/**
 * Collects the findings of one extraction and turns raw texts into canonical values: a value that is
 * present but unreadable (an amount that is no number, a date that is no date) becomes a finding
 * and is left out, so nothing downstream sees `"12,50"` where it expects a decimal.
 */
export class InvoiceReadContext {
  readonly findings: InvoiceFinding[] = [];

  report(severity: InvoiceFindingSeverity, bt: string, message: string, rule?: string): void {
    this.findings.push(rule ? { bt, rule, severity, message } : { bt, severity, message });
  }

  /** An amount, quantity or percentage: the decimal text as written. */
  decimal(text: string | undefined, bt: string, what: string): string | undefined {
    if (text === undefined) return undefined;
    if (isDecimal(text)) return text;
    this.report('error', bt, `${what} (${bt}) "${text}" is not a decimal number`);
    return undefined;
  }

  /** UBL xs:date (`2024-03-31`, a time zone is dropped) to `YYYY-MM-DD`. */
  isoDate(text: string | undefined, bt: string, what: string): string | undefined {
    if (text === undefined) return undefined;
    const match = ISO_DATE.exec(text);
    return this.calendarDate(match, text, bt, what);
  }

  /** CII udt:DateTimeString with format 102 (`20240331`) to `YYYY-MM-DD`; other formats are no date of EN 16931. */
  compactDate(text: string | undefined, format: string | undefined, bt: string, what: string): string | undefined {
    if (text === undefined) return undefined;
    if (format !== undefined && format !== '102') {
      this.report('error', bt, `${what} (${bt}) "${text}" has date format ${format}; EN 16931 dates use format 102 (CCYYMMDD)`);
      return undefined;
    }
    return this.calendarDate(COMPACT_DATE.exec(text), text, bt, what);
  }

  private calendarDate(match: RegExpExecArray | null, text: string, bt: string, what: string): string | undefined {
    if (match) {
      const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
      const date = new Date(Date.UTC(year, month - 1, day));
      if (date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day) {
        return `${match[1]}-${match[2]}-${match[3]}`;
      }
    }
    this.report('error', bt, `${what} (${bt}) "${text}" is not a calendar date`);
    return undefined;
  }
}

/** BT-21 / BT-22 from a UBL note with its `#CODE#` prefix. */
export function splitUblNote(note: string): InvoiceNote {
  const match = NOTE_SUBJECT.exec(note);
  if (!match) return { text: note };
  return { subjectCode: match[1]!, text: note.slice(match[0].length).trim() };
}

/** A deep copy without the properties whose value is undefined (what JSON would drop anyway). */
export function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => withoutUndefined(item)) as T;
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    copy[key] = withoutUndefined(item);
  }
  return copy as T;
}

/** Identifiers with their `schemeID` (both syntaxes name the attribute so). */
export function identifiersOf(elements: XmlElement[]): PartyIdentifier[] {
  return elements.flatMap((element) => {
    const id = textContent(element);
    return id === undefined ? [] : [{ id, scheme: attributeOf(element, 'schemeID') }];
  });
}

/** BT-158 item classifications with `listID` / `listVersionID` (both syntaxes name them so). */
export function classificationsOf(elements: XmlElement[]): ItemClassification[] {
  return elements.flatMap((element) => {
    const code = textContent(element);
    return code === undefined ? [] : [{ code, listId: attributeOf(element, 'listID'), listVersionId: attributeOf(element, 'listVersionID') }];
  });
}

export function joinLines(texts: string[]): string | undefined {
  return texts.length > 0 ? texts.join('\n') : undefined;
}
