/**
 * Check digits and formats of identifiers met in documents and e-invoices: IBAN (ISO 13616) and
 * Leitweg-ID (KoSIT "Formatspezifikation Leitweg-ID" 2.0.2). Both use ISO 7064 MOD 97-10. Pure functions.
 */

/**
 * The remainder modulo 97 of the number a string of digits and capital letters stands for, letters
 * counting as two-digit numbers A = 10 ... Z = 35 (ISO 7064 MOD 97-10, as IBAN and Leitweg-ID use it).
 * Piecewise, so no big integers. Throws a RangeError for any other character (including lower case).
 */
export function mod97(alphanumeric: string): number {
  let remainder = 0;
  for (const char of alphanumeric) {
    const code = char.charCodeAt(0);
    const value = code >= 0x30 && code <= 0x39 ? code - 0x30 : code >= 0x41 && code <= 0x5a ? code - 0x41 + 10 : NaN;
    if (Number.isNaN(value)) throw new RangeError(`not a digit or capital letter: "${char}"`);
    remainder = (remainder * (value < 10 ? 10 : 100) + value) % 97;
  }
  return remainder;
}

/** Two check digits for `value` (ISO 7064 MOD 97-10): 98 minus the remainder of value·100. */
export function mod97CheckDigits(value: string): string {
  return String(98 - mod97(`${value}00`)).padStart(2, '0');
}

// ---------------------------------------------------------------------------------------------------
// IBAN

/** IBAN shape of ISO 13616: country, two check digits, 11 to 30 letters or digits (15 to 34 in all). */
const IBAN_SHAPE = /^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/;

/**
 * IBAN lengths of the SEPA countries and a few more, by country code. An IBAN of another country is
 * not recognised: the length is half of what makes a match reliable.
 */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AT: 20, BE: 16, BG: 22, CH: 21, CY: 28, CZ: 24, DE: 22, DK: 18, EE: 20, ES: 24, FI: 18, FO: 18,
  FR: 27, GB: 22, GI: 23, GL: 18, GR: 27, HR: 21, HU: 28, IE: 22, IS: 26, IT: 27, LI: 21, LT: 20, LU: 20,
  LV: 21, MC: 27, MT: 31, NL: 18, NO: 15, PL: 28, PT: 25, RO: 24, SE: 24, SI: 19, SK: 24, SM: 27, VA: 22,
};

/** Without spaces (the printed groups of four), upper case. */
export function normalizeIban(text: string): string {
  return text.replace(/\s+/g, '').toUpperCase();
}

/**
 * Whether `text` (spaces allowed, any case) is a valid IBAN: ISO 13616 shape, a country of
 * {@link IBAN_LENGTHS} with exactly its length, and the MOD 97-10 test on the IBAN with its first four
 * characters moved to the end. Does not know which banks exist.
 */
export function isValidIban(text: string): boolean {
  const iban = normalizeIban(text);
  if (!IBAN_SHAPE.test(iban)) return false;
  if (IBAN_LENGTHS[iban.slice(0, 2)] !== iban.length) return false;
  return mod97(`${iban.slice(4)}${iban.slice(0, 4)}`) === 1;
}

// ---------------------------------------------------------------------------------------------------
// Leitweg-ID

/**
 * Leitweg-ID, the routing address of a German public buyer, carried in BT-10 Buyer reference:
 * `<Grobadressierung>[-<Feinadressierung>]-<Prüfziffer>`.
 * - coarse address: 2 to 12 digits, starting with the Land (01 to 16) or the Bund (99);
 * - fine address: optional, up to 30 digits or capital letters;
 * - check digits: two digits, ISO 7064 MOD 97-10 over coarse + fine + check digits.
 * The pattern allows at most 12 + 1 + 30 + 1 + 2 = 46 characters, the specified maximum.
 */
export const LEITWEG_ID = /^(\d{2,12})(?:-([0-9A-Z]{1,30}))?-(\d{2})$/;

/** Longest Leitweg-ID the format specification allows. */
const LEITWEG_ID_MAX_LENGTH = 46;

const LEITWEG_REGIONS: Readonly<Record<string, string>> = {
  '01': 'Schleswig-Holstein',
  '02': 'Hamburg',
  '03': 'Niedersachsen',
  '04': 'Bremen',
  '05': 'Nordrhein-Westfalen',
  '06': 'Hessen',
  '07': 'Rheinland-Pfalz',
  '08': 'Baden-Württemberg',
  '09': 'Bayern',
  '10': 'Saarland',
  '11': 'Berlin',
  '12': 'Brandenburg',
  '13': 'Mecklenburg-Vorpommern',
  '14': 'Sachsen',
  '15': 'Sachsen-Anhalt',
  '16': 'Thüringen',
  '99': 'Bund',
};

export type LeitwegIdCheck =
  | {
      valid: true;
      /** Trimmed, letters in upper case. */
      leitwegId: string;
      coarse: string;
      fine?: string;
      checkDigits: string;
      /** The Land or `Bund` the first two digits name; absent for a code outside 01-16 and 99 (test ids use 90). */
      region?: string;
    }
  | { valid: false; problem: string };

/**
 * Whether the text (surrounding space and any case allowed) is a Leitweg-ID: format, length and check
 * digits; an unknown region code is reported (no `region`), not refused.
 */
export function checkLeitwegId(text: string): LeitwegIdCheck {
  const candidate = text.trim().toUpperCase();
  const match = LEITWEG_ID.exec(candidate);
  if (!match || candidate.length > LEITWEG_ID_MAX_LENGTH) {
    return { valid: false, problem: 'it is not of the form <2-12 digits>[-<up to 30 digits or letters>]-<2 check digits>' };
  }
  const [, coarse = '', fine, checkDigits = ''] = match;
  if (mod97(`${coarse}${fine ?? ''}${checkDigits}`) !== 1) {
    const expected = mod97CheckDigits(`${coarse}${fine ?? ''}`);
    return { valid: false, problem: `its check digits are ${checkDigits}, they should be ${expected}` };
  }
  const result: LeitwegIdCheck = { valid: true, leitwegId: candidate, coarse, checkDigits };
  if (fine !== undefined) result.fine = fine;
  const region = LEITWEG_REGIONS[coarse.slice(0, 2)];
  if (region) result.region = region;
  return result;
}

/** Whether the text is a valid Leitweg-ID (see {@link checkLeitwegId}). */
export function isLeitwegId(text: string): boolean {
  return checkLeitwegId(text).valid;
}

/** Alias of {@link isLeitwegId}. */
export function isValidLeitwegId(text: string): boolean {
  return isLeitwegId(text);
}

/** The two check digits for a Leitweg-ID without them ("04011000-1234512345" -> "06"). */
export function leitwegCheckDigits(withoutCheck: string): string {
  return mod97CheckDigits(withoutCheck.replace(/-/g, '').toUpperCase());
}
