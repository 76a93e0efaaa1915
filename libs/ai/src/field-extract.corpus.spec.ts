import { beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type ExtractedField, extractDates, extractFields } from './field-extract.extractor.js';

/**
 * Field extraction on the shared corpus, checked against its metadata (`fields` in index.jsonl). The
 * metadata dates (erlassen_am, gueltig_ab, stand, ausfertigungsdatum, and the dates inside `quelle`)
 * are the curator's and need not stand in the text; where one does, in any usual German form, the
 * extractor must find it there. Measured: 51/51 erlassen_am, 172/172 gueltig_ab, 58/58 stand,
 * 22/22 ausfertigungsdatum, 105/105 quelle dates.
 */
const CORPUS = resolve(process.cwd(), '../shared/corpus');

interface Entry {
  id: string;
  path: string;
  fields: Record<string, string>;
  text: string;
  found: ExtractedField[];
}

const MONTHS = ['Januar', 'Februar', 'März', 'April', 'Mai', 'Juni', 'Juli', 'August', 'September', 'Oktober', 'November', 'Dezember'];

/** The ways German text writes an ISO date: 07.02.2009, 7.2.2009, 7.02.2009, 07.2.2009, 7. Februar 2009, 07. Februar 2009, 2009-02-07. */
function germanForms(iso: string): string[] {
  const [year, month, day] = iso.split('-').map(Number) as [number, number, number];
  const dd = String(day).padStart(2, '0');
  const mm = String(month).padStart(2, '0');
  return [
    `${dd}.${mm}.${year}`,
    `${day}.${month}.${year}`,
    `${day}.${mm}.${year}`,
    `${dd}.${month}.${year}`,
    `${day}. ${MONTHS[month - 1]} ${year}`,
    `${dd}. ${MONTHS[month - 1]} ${year}`,
    iso,
  ];
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether the date stands in the (whitespace-flattened) text as a whole date, not inside a longer number. */
function occursIn(flat: string, iso: string): boolean {
  return germanForms(iso).some((form) => new RegExp(`(?<![\\d.])${escape(form)}(?!\\d)`).test(flat));
}

describe('field extraction on the German corpus', () => {
  let corpus: Entry[];

  beforeAll(() => {
    const index = resolve(CORPUS, 'index.jsonl');
    if (!existsSync(index)) throw new Error(`evaluation corpus not found at ${CORPUS} (expected index.jsonl there)`);
    corpus = readFileSync(index, 'utf8')
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as Omit<Entry, 'text' | 'found'>)
      .map((entry) => {
        const text = readFileSync(resolve(CORPUS, entry.path), 'utf8');
        return { ...entry, text, found: extractFields(text) };
      });
  });

  it('finds every metadata date that stands in the text', () => {
    const counts: Record<string, { inMetadata: number; inText: number; found: number }> = {};
    const missed: string[] = [];
    for (const entry of corpus) {
      const flat = entry.text.replace(/\s+/g, ' ');
      const dates = new Set(entry.found.filter((field) => field.type === 'date').map((field) => field.value));
      const targets: Array<[string, string]> = [];
      for (const key of ['erlassen_am', 'gueltig_ab', 'stand', 'ausfertigungsdatum']) {
        const value = entry.fields[key];
        if (value && /^\d{4}-\d{2}-\d{2}$/.test(value)) targets.push([key, value]);
      }
      if (entry.fields['quelle']) for (const date of extractDates(entry.fields['quelle'])) targets.push(['quelle', date.value]);
      for (const [key, value] of targets) {
        const count = (counts[key] ??= { inMetadata: 0, inText: 0, found: 0 });
        count.inMetadata++;
        if (!occursIn(flat, value)) continue;
        count.inText++;
        if (dates.has(value)) count.found++;
        else missed.push(`${entry.id} ${key} ${value}`);
      }
    }
    console.log(
      [
        'metadata dates: found / in the text / in the metadata',
        ...Object.entries(counts).map(([key, count]) => `  ${key.padEnd(20)} ${count.found} / ${count.inText} / ${count.inMetadata}`),
      ].join('\n'),
    );
    expect(missed).toEqual([]);
    expect(counts['gueltig_ab']!.inText).toBeGreaterThan(150);
    expect(counts['quelle']!.inText).toBeGreaterThan(100);
  });

  it('gives every field at the place it claims', () => {
    for (const entry of corpus) for (const field of entry.found) expect(entry.text.slice(field.start, field.end)).toBe(field.text);
  });

  it('finds the addresses and Aktenzeichen the corpus has, and no IBAN or Leitweg-ID (it has none)', () => {
    const all = corpus.flatMap((entry) => entry.found);
    const byType = (type: ExtractedField['type']) => all.filter((field) => field.type === type);
    console.log(
      `fields in the corpus: ${['date', 'amount', 'address', 'aktenzeichen', 'iban', 'leitweg-id']
        .map((type) => `${type} ${byType(type as ExtractedField['type']).length}`)
        .join(', ')}`,
    );
    const addresses = byType('address').map((field) => field.value);
    expect(addresses).toEqual(
      expect.arrayContaining([
        'Wessenbergstr. 39, 78462 Konstanz',
        'Lorcher Straße 6, 73033 Göppingen',
        'Kaiser-Joseph-Straße 167, 79098 Freiburg i. Br.',
        'Lindenstraße 1-3, 73119 Zell u.A.',
        'An der Küppe 2, 53225 Bonn',
        'Theodor-Heuss-Allee 17, 53773 Hennef',
      ]),
    );
    expect(byType('aktenzeichen').map((field) => field.value)).toEqual(
      expect.arrayContaining(['5-0214.3/77', '4-0214.3/77', '5-8931.32', '3-1570/437', 'VM2-3932-34/5/1']),
    );
    expect(byType('iban')).toEqual([]);
    expect(byType('leitweg-id')).toEqual([]);
  });

  it('reads the fee tables: euro amounts with their value in cent', () => {
    const amounts = corpus.flatMap((entry) => entry.found.filter((field) => field.type === 'amount'));
    expect(amounts.length).toBeGreaterThan(1000);
    const dogTax = corpus.find((entry) => entry.path === 'finanzen/rs-bbo-satzung-erhebung-hundesteuer.txt')!;
    expect(dogTax.found.some((field) => field.type === 'amount' && field.cents > 0)).toBe(true);
  });
});
