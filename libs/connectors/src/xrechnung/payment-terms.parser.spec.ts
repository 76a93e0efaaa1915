import { describe, expect, it } from '@jest/globals';
import { parseEarlyPaymentDiscounts } from './payment-terms.parser.js';

describe('parseEarlyPaymentDiscounts', () => {
  it('reads Skonto lines and leaves free text alone', () => {
    const terms = '#SKONTO#TAGE=7#PROZENT=2.00#\n#SKONTO#TAGE=14#PROZENT=1.00#BASISBETRAG=120.00#\r\nZahlbar innerhalb von 30 Tagen netto.';
    expect(parseEarlyPaymentDiscounts(terms)).toEqual({
      discounts: [
        { days: 7, percent: '2.00' },
        { days: 14, percent: '1.00', baseAmount: '120.00' },
      ],
      malformed: [],
    });
  });

  it('names lines that start with # but break the XRechnung format (BR-DE-18)', () => {
    expect(parseEarlyPaymentDiscounts('#SKONTO#TAGE=7#PROZENT=2#\n#skonto#tage=7#prozent=2.00#\n#ADU#Hinweis').malformed).toEqual([
      '#SKONTO#TAGE=7#PROZENT=2#',
      '#skonto#tage=7#prozent=2.00#',
      '#ADU#Hinweis',
    ]);
  });

  it('has nothing to read in absent terms', () => {
    expect(parseEarlyPaymentDiscounts(undefined)).toEqual({ discounts: [], malformed: [] });
  });
});
