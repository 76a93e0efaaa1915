import { describe, expect, it } from '@jest/globals';
import { isValidIban, mod97, normalizeIban } from './iban.validator.js';

describe('isValidIban', () => {
  it.each(['DE89370400440532013000', 'DE89 3704 0044 0532 0130 00', 'de89370400440532013000', 'DE79000000001234567890', 'GB82WEST12345698765432', 'NL91ABNA0417164300'])(
    'accepts %s',
    (iban) => expect(isValidIban(iban)).toBe(true),
  );

  it.each(['DE89370400440532013001', 'DE8937040044053201300', 'XX', '', 'DE89-3704-0044-0532-0130-00', '[IBAN]'])('refuses %s', (iban) => {
    expect(isValidIban(iban)).toBe(false);
  });

  it('normalises printed groups', () => {
    expect(normalizeIban(' de89 3704 0044\t0532 0130 00 ')).toBe('DE89370400440532013000');
  });

  it('computes MOD 97-10 with letters as two digits', () => {
    expect(mod97('0')).toBe(0);
    expect(mod97('97')).toBe(0);
    expect(mod97('A')).toBe(10);
    expect(mod97('1A')).toBe(110 % 97);
    expect(() => mod97('a')).toThrow(RangeError);
  });
});
