import type { EarlyPaymentDiscount } from './invoice-facts.types.js';

/** XRechnung's Skonto line in BT-20 (XR-SKONTO-REGEX of the XRechnung schematron, checked by BR-DE-18). */
const SKONTO_LINE = /^#SKONTO#TAGE=([0-9]+)#PROZENT=([0-9]+\.[0-9]{2})(?:#BASISBETRAG=(-?[0-9]+\.[0-9]{2}))?#$/;

export interface ParsedPaymentTerms {
  discounts: EarlyPaymentDiscount[];
  /** Lines that start with `#` (so claim to be structured) but are no valid Skonto line. */
  malformed: string[];
}

/**
 * Reads the early-payment discounts XRechnung writes into BT-20, one per line:
 * `#SKONTO#TAGE=14#PROZENT=2.00#` or with `#BASISBETRAG=120.00#` when the discount applies to part of the amount due.
 */
export function parseEarlyPaymentDiscounts(terms: string | undefined): ParsedPaymentTerms {
  const parsed: ParsedPaymentTerms = { discounts: [], malformed: [] };
  for (const raw of (terms ?? '').split(/\r?\n|\r/)) {
    const line = raw.trim();
    if (!line.startsWith('#')) continue;
    const match = SKONTO_LINE.exec(line);
    if (!match) {
      parsed.malformed.push(line);
      continue;
    }
    const discount: EarlyPaymentDiscount = { days: Number(match[1]), percent: match[2]! };
    if (match[3] !== undefined) discount.baseAmount = match[3];
    parsed.discounts.push(discount);
  }
  return parsed;
}
