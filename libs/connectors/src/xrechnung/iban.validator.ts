/** IBAN shape of ISO 13616: country, two check digits, 11 to 30 letters or digits (15 to 34 in all). */
const IBAN_SHAPE = /^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/;

/** Without spaces (the printed groups of four), upper case. */
export function normalizeIban(text: string): string {
  return text.replace(/\s+/g, '').toUpperCase();
}

/** Shape and ISO 7064 MOD 97-10 check digits; does not know which banks exist. */
export function isValidIban(text: string): boolean {
  const iban = normalizeIban(text);
  if (!IBAN_SHAPE.test(iban)) return false;
  return mod97(`${iban.slice(4)}${iban.slice(0, 4)}`) === 1;
}

/**
 * The remainder modulo 97 of the number a string of digits and letters stands for, letters counting
 * A = 10 ... Z = 35 (ISO 7064 MOD 97-10, as IBAN and Leitweg-ID use it). Piecewise, so no big integers.
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
