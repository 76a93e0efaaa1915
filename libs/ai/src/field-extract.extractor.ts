import { IBAN_LENGTHS, isValidIban, isValidLeitwegId } from '@app/contracts';

/**
 * Rule-based extraction of the fields German administrative text states in fixed forms: dates, euro
 * amounts, IBANs, Aktenzeichen, Leitweg-IDs and postal addresses. Each field comes with its place in
 * the text (`start` inclusive, `end` exclusive, UTF-16 offsets as String.slice takes them), the text as
 * written and a normalised value. Only what rules find reliably: checksums where there are any,
 * calendar checks for dates, a label word where a form alone would be ambiguous.
 */
export type FieldType = 'date' | 'amount' | 'iban' | 'aktenzeichen' | 'leitweg-id' | 'address';

interface FieldBase {
  type: FieldType;
  /** The text as written, `text.slice(start, end)`. */
  text: string;
  start: number;
  end: number;
}

export interface DateField extends FieldBase {
  type: 'date';
  /** ISO 8601 calendar date, "2009-01-29". */
  value: string;
  /** "29.01.2009" numeric, "29. Januar 2009" written, "2009-01-29" iso. */
  format: 'numeric' | 'written' | 'iso';
}

export interface AmountField extends FieldBase {
  type: 'amount';
  /** Decimal with a point and two places, "1234.56". */
  value: string;
  /** The amount in cent. */
  cents: number;
  currency: 'EUR';
}

export interface IbanField extends FieldBase {
  type: 'iban';
  /** Without spaces, upper-case. */
  value: string;
  country: string;
}

export interface AktenzeichenField extends FieldBase {
  type: 'aktenzeichen';
  /** The reference itself, without the label ("32.1-2026-0815"). */
  value: string;
  /** `labelled`: after "Az.", "Aktenzeichen", "Geschäftszeichen" …; `court`: a court docket number ("1 K 123/20"). */
  form: 'labelled' | 'court';
}

export interface LeitwegIdField extends FieldBase {
  type: 'leitweg-id';
  /** Upper-case, with its hyphens. */
  value: string;
  coarse: string;
  fine: string | null;
  checkDigits: string;
  /** Whether the word "Leitweg" (or "Leitweg-ID", "Käuferreferenz") stands just before it. */
  labelled: boolean;
}

export interface AddressField extends FieldBase {
  type: 'address';
  street: string;
  houseNumber: string;
  postalCode: string;
  city: string;
  /** "Hauptstraße 12, 73087 Bad Boll" */
  value: string;
}

export type ExtractedField = DateField | AmountField | IbanField | AktenzeichenField | LeitwegIdField | AddressField;

export interface ExtractFieldsOptions {
  /** Only these kinds of field; default all. */
  types?: readonly FieldType[];
}

/** All fields of the text, ordered by position (then by type). */
export function extractFields(text: string, options: ExtractFieldsOptions = {}): ExtractedField[] {
  const wanted = new Set<FieldType>(options.types ?? ['date', 'amount', 'iban', 'aktenzeichen', 'leitweg-id', 'address']);
  const fields: ExtractedField[] = [];
  if (wanted.has('date')) fields.push(...extractDates(text));
  if (wanted.has('amount')) fields.push(...extractAmounts(text));
  if (wanted.has('iban')) fields.push(...extractIbans(text));
  if (wanted.has('aktenzeichen')) fields.push(...extractAktenzeichen(text));
  if (wanted.has('leitweg-id')) fields.push(...extractLeitwegIds(text));
  if (wanted.has('address')) fields.push(...extractAddresses(text));
  return fields.sort((a, b) => a.start - b.start || a.end - b.end || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------------
// Dates

const MONTHS: ReadonlyArray<[pattern: string, month: number]> = [
  ['Januar|Jänner|Jan\\.', 1],
  ['Februar|Feb\\.|Febr\\.', 2],
  ['März|Maerz|Mär\\.|Mrz\\.', 3],
  ['April|Apr\\.', 4],
  ['Mai', 5],
  ['Juni|Jun\\.', 6],
  ['Juli|Jul\\.', 7],
  ['August|Aug\\.', 8],
  ['September|Sept\\.|Sep\\.', 9],
  ['Oktober|Okt\\.', 10],
  ['November|Nov\\.', 11],
  ['Dezember|Dez\\.', 12],
];
const MONTH_NAMES = MONTHS.map(([pattern]) => pattern).join('|');
const MONTH_OF = (name: string): number => MONTHS.find(([pattern]) => new RegExp(`^(?:${pattern})$`).test(name))![1];

/** "29.01.2009", "1.2.2009": day and month of one or two digits, a four-digit year. */
const NUMERIC_DATE = /(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\d])/g;
/** "29. Januar 2009", "1. Jan. 2009", also wrapped over a line break. */
const WRITTEN_DATE = new RegExp(`(?<![\\d.])(\\d{1,2})\\.\\s*(${MONTH_NAMES})(?![\\p{L}])\\s*(\\d{4})(?![\\d])`, 'gu');
/** "2009-01-29" */
const ISO_DATE = /(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d])/g;

/** Years taken as dates; a four-digit number outside is more likely something else. */
const YEARS = { min: 1800, max: 2199 };

export function extractDates(text: string): DateField[] {
  const fields: DateField[] = [];
  const add = (match: RegExpExecArray, year: number, month: number, day: number, format: DateField['format']) => {
    const value = isoDate(year, month, day);
    if (value) fields.push({ type: 'date', text: match[0], start: match.index, end: match.index + match[0].length, value, format });
  };
  for (const match of text.matchAll(NUMERIC_DATE)) add(match, +match[3]!, +match[2]!, +match[1]!, 'numeric');
  for (const match of text.matchAll(WRITTEN_DATE)) add(match, +match[3]!, MONTH_OF(match[2]!), +match[1]!, 'written');
  for (const match of text.matchAll(ISO_DATE)) add(match, +match[1]!, +match[2]!, +match[3]!, 'iso');
  return fields.sort((a, b) => a.start - b.start);
}

/** "YYYY-MM-DD" if the date exists in the calendar (and the year is plausible), else undefined. */
export function isoDate(year: number, month: number, day: number): string | undefined {
  if (year < YEARS.min || year > YEARS.max || month < 1 || month > 12 || day < 1) return undefined;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  if (day > days) return undefined;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

// ---------------------------------------------------------------------------------------------------
// Amounts

/**
 * A German number: thousands grouped by "." or a space ("500 000"), decimals after ",", or ",-" / ",--" /
 * ",–" for whole euros.
 */
const NUMBER = String.raw`(?<![\d.,])(?:\d{1,3}(?:[.\u00a0\u202f ]\d{3})+(?!\d)|\d+)(?:,(?:\d{1,2}(?!\d)|-{1,2}|–))?`;
const SCALE = String.raw`(?:Mio\.|Millionen|Million|Mrd\.|Milliarden|Milliarde|Tsd\.|Tausend)`;
const CURRENCY = String.raw`(?:€|EUR(?![A-Za-z])|Euro(?![a-zäöü])|Cent(?![a-zäöü])|ct\.?(?![a-zäöü]))`;
const AMOUNT_AFTER = new RegExp(`(${NUMBER})(?:[ \\u00a0\\u202f]?(${SCALE}))?[ \\u00a0\\u202f]?(${CURRENCY})`, 'g');
/** "€ 5,-", "EUR 250"; not "Euro 4", which is an emission class. */
const AMOUNT_BEFORE = new RegExp(`(€|EUR(?![A-Za-z]))[ \\u00a0\\u202f]?(${NUMBER})(?:[ \\u00a0\\u202f]?(${SCALE}))?`, 'g');

const SCALES: Record<string, bigint> = {
  'Mio.': 1_000_000n, Million: 1_000_000n, Millionen: 1_000_000n,
  'Mrd.': 1_000_000_000n, Milliarde: 1_000_000_000n, Milliarden: 1_000_000_000n,
  'Tsd.': 1_000n, Tausend: 1_000n,
};

export function extractAmounts(text: string): AmountField[] {
  const fields: AmountField[] = [];
  const add = (match: RegExpExecArray, number: string, scale: string | undefined, currency: string) => {
    const cents = centsOf(number, scale, /^(?:Cent|ct)/.test(currency));
    if (cents === undefined) return;
    fields.push({
      type: 'amount',
      text: match[0],
      start: match.index,
      end: match.index + match[0].length,
      value: `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`,
      cents: Number(cents),
      currency: 'EUR',
    });
  };
  for (const match of text.matchAll(AMOUNT_AFTER)) add(match, match[1]!, match[2], match[3]!);
  for (const match of text.matchAll(AMOUNT_BEFORE)) {
    // "5 € 10 €" : the number after "€" already has its own currency behind it.
    if (fields.some((field) => field.start < match.index + match[0].length && match.index < field.end)) continue;
    add(match, match[2]!, match[3], match[1]!);
  }
  return fields.sort((a, b) => a.start - b.start);
}

function centsOf(number: string, scale: string | undefined, inCent: boolean): bigint | undefined {
  const [whole = '', fraction = ''] = number.split(',');
  const digits = whole.replace(/[. \u00a0\u202f]/g, '');
  const decimals = /^\d+$/.test(fraction) ? fraction.padEnd(2, '0') : '00';
  if (!/^\d+$/.test(digits)) return undefined;
  if (inCent) return fraction ? undefined : BigInt(digits);
  // In whole cents, with integers, so "1,5 Mio." stays exact.
  const factor = scale ? SCALES[scale]! : 1n;
  return (BigInt(digits) * 100n + BigInt(decimals)) * factor;
}

// ---------------------------------------------------------------------------------------------------
// IBAN

/** Country, check digits, then letters/digits possibly in groups of four separated by single spaces. */
const IBAN_CANDIDATE = /(?<![A-Za-z0-9])([A-Z]{2})(\d{2})((?: ?[A-Z0-9]){10,30})/g;

export function extractIbans(text: string): IbanField[] {
  const fields: IbanField[] = [];
  for (const match of text.matchAll(IBAN_CANDIDATE)) {
    const country = match[1]!;
    const length = IBAN_LENGTHS[country];
    if (!length) continue;
    // Take exactly as many characters as the country's IBAN has, then it must end there.
    const limit = match.index + match[0].length;
    let taken = 0;
    let end = match.index;
    for (; end < limit && taken < length; end++) if (text[end] !== ' ') taken++;
    if (taken < length || /[A-Za-z0-9]/.test(text[end] ?? '')) continue;
    const written = text.slice(match.index, end);
    const value = written.replace(/ /g, '');
    if (!isValidIban(value)) continue;
    fields.push({ type: 'iban', text: written, start: match.index, end, value, country });
  }
  return fields;
}

// ---------------------------------------------------------------------------------------------------
// Aktenzeichen

const AZ_LABEL = String.raw`(?:Aktenzeichen|Geschäftszeichen|Gesch\.-Z\.|Az\.|AZ\.?|Az(?=\s*:)|Gz\.|GZ\.?|Unser Zeichen|Ihr Zeichen)`;
/** A court docket number: chamber/senate number, register letters, running number / year. */
const COURT_DOCKET = String.raw`\d{1,3}\s[A-Z]{1,3}[a-z]?\s\d{1,5}[./]\d{2,4}(?:\.[A-Z]+)?`;
/** An office reference: starts with letters or a digit, holds at least one digit, runs on with . / - ( ) */
const OFFICE_REFERENCE = String.raw`(?:[A-ZÄÖÜ][A-Za-zÄÖÜäöü]{0,5}\s?)?[A-Za-z0-9ÄÖÜäöü][A-Za-z0-9ÄÖÜäöü./\-–_]*`;
const LABELLED_AZ = new RegExp(`(?<![\\p{L}])${AZ_LABEL}\\s*:?\\s*(${COURT_DOCKET}|${OFFICE_REFERENCE})`, 'gu');
const COURT_NAMES = String.raw`(?:BVerwG|BVerfG|BGH|BFH|BSG|BAG|OVG|VGH|VG|OLG|LG|AG|LSG|SG|FG|LAG|ArbG)`;
/** A docket number alone: "1 K 123/20"; with "." as year separator only after a court name ("BVerwG 7 C 2.19"). */
const STANDALONE_DOCKET = new RegExp(
  `(?<![\\d\\p{L}§.])(?:(${COURT_NAMES})\\s(\\d{1,3}\\s[A-Z]{1,3}[a-z]?\\s\\d{1,5}[./]\\d{2,4})|(\\d{1,3}\\s[A-Z]{1,3}\\s\\d{1,5}/\\d{2,4}))(?![\\d/])`,
  'gu',
);

export function extractAktenzeichen(text: string): AktenzeichenField[] {
  const fields: AktenzeichenField[] = [];
  for (const match of text.matchAll(LABELLED_AZ)) {
    const value = match[1]!.replace(/[./\-–_]+$/, '');
    // A reference has a digit and is more than a lone number or a section mark.
    if (!/\d/.test(value) || value.length < 3) continue;
    const start = match.index + match[0].length - match[1]!.length;
    fields.push({
      type: 'aktenzeichen',
      text: text.slice(match.index, start + value.length),
      start: match.index,
      end: start + value.length,
      value,
      form: new RegExp(`^${COURT_DOCKET}$`).test(value) ? 'court' : 'labelled',
    });
  }
  for (const match of text.matchAll(STANDALONE_DOCKET)) {
    const value = match[2] ?? match[3]!;
    const start = match.index + match[0].length - value.length;
    if (fields.some((field) => field.start <= start && start < field.end)) continue;
    fields.push({ type: 'aktenzeichen', text: value, start, end: start + value.length, value, form: 'court' });
  }
  return fields.sort((a, b) => a.start - b.start);
}

// ---------------------------------------------------------------------------------------------------
// Leitweg-ID

/**
 * Grobadressierung (2–12 digits; its first two digits are the Land, 01–16, or 99 for the Bund),
 * optional Feinadressierung (1–30 letters or digits), two check digits.
 */
const LEITWEG_CANDIDATE = /(?<![\p{L}\d-])((?:0[1-9]|1[0-6]|99)\d{0,10})(?:-([A-Za-z0-9]{1,30}))?-(\d{2})(?![\p{L}\d]|-[\p{L}\d])/gu;
const LEITWEG_LABEL = /(?:Leitweg(?:-?ID|-?Nr\.?|nummer)?|Käuferreferenz|Buyer\s?Reference|BT-10)\s*[:.]?\s*$/i;

export function extractLeitwegIds(text: string): LeitwegIdField[] {
  const fields: LeitwegIdField[] = [];
  for (const match of text.matchAll(LEITWEG_CANDIDATE)) {
    const value = match[0].toUpperCase();
    if (value.length > 46 || !isValidLeitwegId(value)) continue;
    const labelled = LEITWEG_LABEL.test(text.slice(Math.max(0, match.index - 40), match.index));
    // Unlabelled, a form like "2009-01-29" or "12-34" is a date or a number range far more often.
    if (!labelled && (!match[2] || /^\d{4}-\d{2}-\d{2}$/.test(value))) continue;
    fields.push({
      type: 'leitweg-id',
      text: match[0],
      start: match.index,
      end: match.index + match[0].length,
      value,
      coarse: match[1]!,
      fine: match[2] ? match[2].toUpperCase() : null,
      checkDigits: match[3]!,
      labelled,
    });
  }
  return fields;
}

// ---------------------------------------------------------------------------------------------------
// Postal addresses

const STREET_WORDS = [
  'straße', 'strasse', 'str\\.', 'weg', 'gasse', 'platz', 'allee', 'ring', 'damm', 'ufer', 'steig', 'steige',
  'stieg', 'pfad', 'chaussee', 'markt', 'graben', 'hof', 'berg', 'tor', 'kai', 'promenade', 'anlage', 'wall',
  'zeile', 'acker', 'feld', 'garten', 'grund', 'halde', 'höhe', 'leite', 'park', 'wiese', 'winkel', 'bühl',
  'brücke', 'kamp', 'gässle', 'buckel', 'rain', 'insel', 'staffel', 'passage', 'boulevard',
].join('|');
const STREET_NOUNS = 'Straße|Strasse|Str\\.|Weg|Gasse|Platz|Allee|Ring|Damm|Ufer|Steige|Steig|Pfad|Graben|Markt|Berg|Halde|Tor|Gässle';
const STREET_ARTICLES = 'Am|An der|An den|Auf der|Auf dem|Im|In der|In den|Zum|Zur|Unter den|Hinter der|Hinter dem|Beim|Bei der|Vor dem';
/**
 * "Hauptstraße", "Konrad-Adenauer-Str.", "Lorcher Straße", "Alte Steige", "Platz der Republik",
 * "Am Markt", "In der Au", and "Postfach".
 */
const STREET = [
  String.raw`(?:[A-ZÄÖÜ][\p{L}]*-)*[A-ZÄÖÜ][\p{L}]*(?:${STREET_WORDS})`,
  String.raw`(?:[A-ZÄÖÜ][\p{L}]*-)+(?:${STREET_NOUNS})`,
  String.raw`[A-ZÄÖÜ][a-zäöüß]+(?:er|e|es|en)\s(?:${STREET_NOUNS})`,
  String.raw`(?:Straße|Strasse|Platz|Allee)\s(?:der|des)\s[A-ZÄÖÜ][\p{L}-]*`,
  String.raw`(?:${STREET_ARTICLES})\s[A-ZÄÖÜ][\p{L}-]*`,
  'Postfach',
].join('|');
const HOUSE_NUMBER = String.raw`\d{1,4}(?:\s?[a-zA-Z](?![\p{L}]))?(?:\s?[-–/]\s?\d{1,4}(?:\s?[a-zA-Z](?![\p{L}]))?)?`;
const POSTFACH_NUMBER = String.raw`\d{1,3}(?:\s?\d{2,3})*`;
const CITY_PREFIXES = 'Bad|Sankt|St\\.|Schwäbisch|Neu|Alt|Groß|Klein|Hohen|Ober|Unter|Nieder|Markt|Königs|Villingen';
const CITY_LINKS = 'am|an der|an den|im|in der|in|ob der|unter|bei|vor der|u\\.|a\\.|i\\.|a\\. d\\.|a\\.d\\.';
/** "Bad Boll", "Zell u. A.", "Freiburg i. Br.", "Frankfurt am Main", "Eislingen/Fils", "Frankfurt (Oder)", "Villingen-Schwenningen". */
const CITY = String.raw`(?:(?:${CITY_PREFIXES})\s)?[A-ZÄÖÜ][\p{L}]*(?:-[A-ZÄÖÜ][\p{L}]*)*(?:\s(?:${CITY_LINKS})\s?[A-ZÄÖÜ][\p{L}]*\.?)?(?:\/[A-ZÄÖÜ][\p{L}]+|\s\([A-ZÄÖÜ][\p{L}]+\))?`;
const ADDRESS = new RegExp(
  `(?<![\\p{L}-])((?:${STREET}))\\s(${HOUSE_NUMBER}|${POSTFACH_NUMBER})\\s*(?:,\\s*|\\n\\s*|\\s)(?:D-\\s?)?((?:0[1-9]|[1-9]\\d)\\d{3})\\s(${CITY})`,
  'gu',
);

export function extractAddresses(text: string): AddressField[] {
  const fields: AddressField[] = [];
  for (const match of text.matchAll(ADDRESS)) {
    const [whole, street, houseNumber, postalCode, cityRaw] = match as unknown as [string, string, string, string, string];
    // A trailing period belongs to the sentence unless it ends an abbreviation ("Zell u. A.", "i. Br.").
    const city = /(?:^|[\s.])\p{L}{1,3}\.$/u.test(cityRaw) ? cityRaw : cityRaw.replace(/\.$/, '');
    const end = match.index + whole.length - (cityRaw.length - city.length);
    if (street === 'Postfach' ? !/^\d[\d\s]*$/.test(houseNumber) : !new RegExp(`^${HOUSE_NUMBER}$`, 'u').test(houseNumber)) continue;
    fields.push({
      type: 'address',
      text: text.slice(match.index, end),
      start: match.index,
      end,
      street: street.replace(/\s+/g, ' '),
      houseNumber: houseNumber.replace(/\s+/g, street === 'Postfach' ? ' ' : ''),
      postalCode,
      city,
      value: `${street.replace(/\s+/g, ' ')} ${houseNumber.replace(/\s+/g, street === 'Postfach' ? ' ' : '')}, ${postalCode} ${city}`,
    });
  }
  return fields;
}
