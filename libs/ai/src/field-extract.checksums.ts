/**
 * Check digits of IBAN and Leitweg-ID. Both use ISO 7064 MOD 97-10: letters count as two-digit numbers
 * (A = 10 … Z = 35), and a correct string read as one number leaves remainder 1 when divided by 97.
 */

/** The remainder mod 97 of a string of digits and letters read as described above; NaN for other characters. */
export function mod97(value: string): number {
  let remainder = 0;
  for (const char of value.toUpperCase()) {
    const code = char.charCodeAt(0);
    if (code >= 48 && code <= 57) {
      remainder = (remainder * 10 + (code - 48)) % 97;
    } else if (code >= 65 && code <= 90) {
      remainder = (remainder * 100 + (code - 55)) % 97;
    } else {
      return Number.NaN;
    }
  }
  return remainder;
}

/** Two check digits for `value` (ISO 7064 MOD 97-10): 98 minus the remainder of value·100. */
export function mod97CheckDigits(value: string): string {
  return String(98 - mod97(`${value}00`)).padStart(2, '0');
}

/**
 * IBAN lengths of the SEPA countries and a few more, by country code. An IBAN of another country is
 * not recognised: the length is half of what makes a match reliable.
 */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AT: 20, BE: 16, BG: 22, CH: 21, CY: 28, CZ: 24, DE: 22, DK: 18, EE: 20, ES: 24, FI: 18, FO: 18,
  FR: 27, GB: 22, GI: 23, GL: 18, GR: 27, HR: 21, HU: 28, IE: 22, IS: 26, IT: 27, LI: 21, LT: 20, LU: 20,
  LV: 21, MC: 27, MT: 31, NL: 18, NO: 15, PL: 28, PT: 25, RO: 24, SE: 24, SI: 19, SK: 24, SM: 27, VA: 22,
};

/**
 * Whether `iban` (spaces allowed, any case) is a valid IBAN: known country, its length, digits as check
 * digits, and the MOD 97 test on the IBAN with its first four characters moved to the end.
 */
export function isValidIban(iban: string): boolean {
  const compact = iban.replace(/\s+/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(compact)) return false;
  if (IBAN_LENGTHS[compact.slice(0, 2)] !== compact.length) return false;
  return mod97(compact.slice(4) + compact.slice(0, 4)) === 1;
}

/**
 * Leitweg-ID (the routing id of public buyers for e-invoices, KoSIT format specification):
 * Grobadressierung of 2 to 12 digits, an optional Feinadressierung of up to 30 letters and digits, and
 * two check digits, joined by "-"; at most 46 characters. The check digits are ISO 7064 MOD 97-10 over
 * the first two parts without the hyphens.
 */
export const LEITWEG_ID = /^(\d{2,12})(?:-([A-Z0-9]{1,30}))?-(\d{2})$/;

export function isValidLeitwegId(id: string): boolean {
  const upper = id.trim().toUpperCase();
  const match = LEITWEG_ID.exec(upper);
  if (!match || upper.length > 46) return false;
  const [, coarse, fine, check] = match;
  return mod97(`${coarse}${fine ?? ''}${check}`) === 1;
}

/** The two check digits for a Leitweg-ID without them ("04011000-1234512345" -> "06"). */
export function leitwegCheckDigits(withoutCheck: string): string {
  return mod97CheckDigits(withoutCheck.replace(/-/g, '').toUpperCase());
}
