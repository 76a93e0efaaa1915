import { mod97 } from './iban.validator.js';

/**
 * Leitweg-ID (KoSIT "Formatspezifikation Leitweg-ID" 2.0.2), the routing address of a German public
 * buyer, carried in BT-10 Buyer reference: `<Grobadressierung>[-<Feinadressierung>]-<Prüfziffer>`.
 * - coarse address: 2 to 12 digits, starting with the Land (01 to 16) or the Bund (99);
 * - fine address: optional, up to 30 digits or capital letters;
 * - check digits: two digits, ISO 7064 MOD 97-10 over coarse + fine + check digits (letters A = 10 ... Z = 35).
 */
const LEITWEG_ID = /^(\d{2,12})(?:-([0-9A-Z]{1,30}))?-(\d{2})$/;

const REGIONS: Readonly<Record<string, string>> = {
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

/** Whether the text is a Leitweg-ID: format and check digits; an unknown region code is reported, not refused. */
export function checkLeitwegId(text: string): LeitwegIdCheck {
  const candidate = text.trim().toUpperCase();
  const match = LEITWEG_ID.exec(candidate);
  if (!match) {
    return { valid: false, problem: 'it is not of the form <2-12 digits>[-<up to 30 digits or letters>]-<2 check digits>' };
  }
  const [, coarse = '', fine, checkDigits = ''] = match;
  if (mod97(`${coarse}${fine ?? ''}${checkDigits}`) !== 1) {
    const expected = String(98 - mod97(`${coarse}${fine ?? ''}00`)).padStart(2, '0');
    return { valid: false, problem: `its check digits are ${checkDigits}, they should be ${expected}` };
  }
  const result: LeitwegIdCheck = { valid: true, leitwegId: candidate, coarse, checkDigits };
  if (fine !== undefined) result.fine = fine;
  const region = REGIONS[coarse.slice(0, 2)];
  if (region) result.region = region;
  return result;
}

export function isLeitwegId(text: string): boolean {
  return checkLeitwegId(text).valid;
}
