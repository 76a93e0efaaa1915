import { describe, expect, it } from '@jest/globals';
import {
  extractAddresses,
  extractAktenzeichen,
  extractAmounts,
  extractDates,
  extractFields,
  extractIbans,
  extractLeitwegIds,
} from './field-extract.extractor.js';

/** Every field's text must be exactly the slice of the source it claims. */
function expectPositions(text: string, fields: Array<{ text: string; start: number; end: number }>): void {
  for (const field of fields) expect(text.slice(field.start, field.end)).toBe(field.text);
}

describe('dates', () => {
  it.each([
    ['Ausgefertigt am 29.01.2009.', '2009-01-29', '29.01.2009', 'numeric'],
    ['in Kraft am 1.7.2024', '2024-07-01', '1.7.2024', 'numeric'],
    ['vom 29. Januar 2009', '2009-01-29', '29. Januar 2009', 'written'],
    ['am 3.März 2020', '2020-03-03', '3.März 2020', 'written'],
    ['am 1. Jan. 2025 fällig', '2025-01-01', '1. Jan. 2025', 'written'],
    ['am 24. Dezember\n2019', '2019-12-24', '24. Dezember\n2019', 'written'],
    ['Stand 2009-01-29', '2009-01-29', '2009-01-29', 'iso'],
    ['bis 29.02.2024', '2024-02-29', '29.02.2024', 'numeric'],
  ])('%j -> %s', (text, value, written, format) => {
    const dates = extractDates(text);
    expect(dates).toHaveLength(1);
    expect(dates[0]).toMatchObject({ value, text: written, format });
    expectPositions(text, dates);
  });

  it.each([
    ['no 29th of February in 2023', '29.02.2023'],
    ['no month 13', '01.13.2020'],
    ['section numbers are no dates', 'Nr. 2.6.2 und 1.2.3'],
    ['a year far off is no date', '12.03.0815'],
    ['a version is no date', 'Version 1.2.20091'],
  ])('%s', (_, text) => {
    expect(extractDates(text)).toEqual([]);
  });

  it('finds several in order, with their positions', () => {
    const text = 'Beschluss vom 07.12.2023, bekannt gemacht am 14. Dezember 2023, gültig ab 2024-01-01.';
    const dates = extractDates(text);
    expect(dates.map((date) => date.value)).toEqual(['2023-12-07', '2023-12-14', '2024-01-01']);
    expectPositions(text, dates);
  });
});

describe('amounts', () => {
  it.each([
    ['Gebühr 1.234,56 EUR', '1234.56', '1.234,56 EUR'],
    ['€ 5,-', '5.00', '€ 5,-'],
    ['je Hund 108,00 € im Jahr', '108.00', '108,00 €'],
    ['beträgt 5,– €', '5.00', '5,– €'],
    ['bis zu 10.000 Euro', '10000.00', '10.000 Euro'],
    ['EUR 250', '250.00', 'EUR 250'],
    ['1,5 Mio. €', '1500000.00', '1,5 Mio. €'],
    ['50 Cent je Seite', '0.50', '50 Cent'],
    ['0,5 € je m²', '0.50', '0,5 €'],
    ['1.000.000,01 EUR', '1000000.01', '1.000.000,01 EUR'],
    ['über 500 000 Euro', '500000.00', '500 000 Euro'],
  ])('%j -> %s', (text, value, written) => {
    const amounts = extractAmounts(text);
    expect(amounts).toHaveLength(1);
    expect(amounts[0]).toMatchObject({ value, text: written, currency: 'EUR' });
    expect(amounts[0]!.cents).toBe(Math.round(Number(value) * 100));
    expectPositions(text, amounts);
  });

  it('ignores numbers without a currency and words that only start like one', () => {
    expect(extractAmounts('§ 5 Abs. 2, 12,50 Prozent, 3 Europäer, 4 EURO-Paletten, Abgasnorm Euro 4')).toEqual([]);
  });

  it('does not take the number after "€" again when it has its own currency', () => {
    const amounts = extractAmounts('Tarif: 5 € 10 € 20 €');
    expect(amounts.map((amount) => amount.value)).toEqual(['5.00', '10.00', '20.00']);
  });
});

describe('IBAN', () => {
  it.each([
    ['IBAN: DE89 3704 0044 0532 0130 00, BIC COBADEFFXXX', 'DE89370400440532013000', 'DE89 3704 0044 0532 0130 00'],
    ['IBAN DE89370400440532013000.', 'DE89370400440532013000', 'DE89370400440532013000'],
    ['AT61 1904 3002 3457 3201', 'AT611904300234573201', 'AT61 1904 3002 3457 3201'],
  ])('%j -> %s', (text, value, written) => {
    const ibans = extractIbans(text);
    expect(ibans).toEqual([{ type: 'iban', value, text: written, country: value.slice(0, 2), start: text.indexOf(written), end: text.indexOf(written) + written.length }]);
  });

  it.each([
    ['a wrong check digit', 'DE88 3704 0044 0532 0130 00'],
    ['one digit too few', 'DE89 3704 0044 0532 0130 0'],
    ['an unknown country', 'XX89 3704 0044 0532 0130 00'],
  ])('refuses %s', (_, text) => {
    expect(extractIbans(text)).toEqual([]);
  });
});

describe('Aktenzeichen', () => {
  it.each([
    ['Az. 32.1-2026-0815', '32.1-2026-0815', 'labelled'],
    ['AZ: 1234/2025', '1234/2025', 'labelled'],
    ['Aktenzeichen: 5-0214.3/77 (GABl.)', '5-0214.3/77', 'labelled'],
    ['(Az. VM2-3932-34/5/1)', 'VM2-3932-34/5/1', 'labelled'],
    ['Geschäftszeichen 61.2-621.41/2024.', '61.2-621.41/2024', 'labelled'],
    ['Unser Zeichen: II/3-123', 'II/3-123', 'labelled'],
    ['Az.: 1 K 123/20', '1 K 123/20', 'court'],
    ['Urteil des VG Potsdam vom 3. Mai 2021, 9 K 2461/18', '9 K 2461/18', 'court'],
    ['BVerwG 7 C 2.19', '7 C 2.19', 'court'],
  ])('%j -> %s', (text, value, form) => {
    const references = extractAktenzeichen(text);
    expect(references).toHaveLength(1);
    expect(references[0]).toMatchObject({ value, form });
    expect(references[0]!.text.endsWith(value)).toBe(true);
    expectPositions(text, references);
  });

  it.each([
    ['a form blank', 'Aktenzeichen: ..............'],
    ['a description', 'das Aktenzeichen der Behörde'],
    ['a label with a lone digit', 'Az. 7'],
  ])('ignores %s', (_, text) => {
    expect(extractAktenzeichen(text)).toEqual([]);
  });
});

describe('Leitweg-ID', () => {
  it.each([
    ['Leitweg-ID: 04011000-1234512345-06', '04011000-1234512345-06', '04011000', '1234512345', true],
    ['Käuferreferenz 991-33333TEST-33', '991-33333TEST-33', '991', '33333TEST', true],
    ['Rechnung an 04011000-12345-03 senden', '04011000-12345-03', '04011000', '12345', false],
    ['Leitweg-ID 991-33333test-33', '991-33333TEST-33', '991', '33333TEST', true],
  ])('%j -> %s', (text, value, coarse, fine, labelled) => {
    const ids = extractLeitwegIds(text);
    expect(ids).toHaveLength(1);
    expect(ids[0]).toMatchObject({ value, coarse, fine, labelled });
    expectPositions(text, ids);
  });

  it.each([
    ['a wrong check digit', 'Leitweg-ID: 04011000-1234512345-07'],
    ['a date', 'am 2009-01-29'],
    ['an unlabelled pair of numbers', 'Seiten 12-34'],
    ['a Land code that does not exist', 'Leitweg-ID: 17011000-1234512345-06'],
  ])('refuses %s', (_, text) => {
    expect(extractLeitwegIds(text)).toEqual([]);
  });
});

describe('postal addresses', () => {
  it.each([
    ['Hauptstraße 12, 73087 Bad Boll', 'Hauptstraße', '12', '73087', 'Bad Boll'],
    ['Wessenbergstr. 39, 78462 Konstanz', 'Wessenbergstr.', '39', '78462', 'Konstanz'],
    ['Landratsamt, Lorcher Straße 6\n73033 Göppingen', 'Lorcher Straße', '6', '73033', 'Göppingen'],
    ['Konrad-Adenauer-Straße 3a, 79098 Freiburg im Breisgau.', 'Konrad-Adenauer-Straße', '3a', '79098', 'Freiburg im Breisgau'],
    ['Am Markt 1-3, 73119 Zell u. A.', 'Am Markt', '1-3', '73119', 'Zell u. A.'],
    ['Postfach 10 34 39, 70029 Stuttgart', 'Postfach', '10 34 39', '70029', 'Stuttgart'],
    ['Bahnhofplatz 6, D-78315 Radolfzell', 'Bahnhofplatz', '6', '78315', 'Radolfzell'],
  ])('%j', (text, street, houseNumber, postalCode, city) => {
    const addresses = extractAddresses(text);
    expect(addresses).toHaveLength(1);
    expect(addresses[0]).toMatchObject({ street, houseNumber, postalCode, city });
    expect(addresses[0]!.value).toBe(`${street} ${houseNumber}, ${postalCode} ${city}`);
    expectPositions(text, addresses);
  });

  it.each([
    ['a paragraph and a number', '§ 12 Abs. 3, 12345 Fälle'],
    ['a street without postal code', 'Hauptstraße 12 in Bad Boll'],
    ['a four-digit code', 'Hauptstraße 12, 7308 Bad Boll'],
  ])('ignores %s', (_, text) => {
    expect(extractAddresses(text)).toEqual([]);
  });
});

describe('extractFields', () => {
  const letter = [
    'Stadt Musterstadt, Rathausplatz 1, 12345 Musterstadt',
    'Az. 32.1-2026-0815',
    'Gebührenbescheid vom 29. Januar 2026',
    'Bitte überweisen Sie 1.234,56 EUR bis zum 28.02.2026 auf IBAN DE89 3704 0044 0532 0130 00.',
    'Rechnungen an Leitweg-ID 04011000-1234512345-06.',
  ].join('\n');

  it('finds every kind in one letter, in text order', () => {
    const fields = extractFields(letter);
    expect(fields.map((field) => [field.type, field.text])).toEqual([
      ['address', 'Rathausplatz 1, 12345 Musterstadt'],
      ['aktenzeichen', 'Az. 32.1-2026-0815'],
      ['date', '29. Januar 2026'],
      ['amount', '1.234,56 EUR'],
      ['date', '28.02.2026'],
      ['iban', 'DE89 3704 0044 0532 0130 00'],
      ['leitweg-id', '04011000-1234512345-06'],
    ]);
    expectPositions(letter, fields);
  });

  it('limits itself to the types asked for', () => {
    expect(extractFields(letter, { types: ['iban'] }).map((field) => field.type)).toEqual(['iban']);
  });
});
