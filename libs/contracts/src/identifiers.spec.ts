import { describe, expect, it } from '@jest/globals';
import { checkLeitwegId, isLeitwegId, isValidIban, isValidLeitwegId, leitwegCheckDigits, mod97, normalizeIban } from './identifiers.js';

describe('mod97', () => {
  it('computes MOD 97-10 with letters as two digits', () => {
    expect(mod97('0')).toBe(0);
    expect(mod97('97')).toBe(0);
    expect(mod97('A')).toBe(10);
    expect(mod97('1A')).toBe(110 % 97);
    expect(mod97('370400440532013000131489')).toBe(1);
    expect(() => mod97('a')).toThrow(RangeError);
  });
});

describe('isValidIban', () => {
  it.each(['DE89370400440532013000', 'DE89 3704 0044 0532 0130 00', 'de89370400440532013000', 'DE79000000001234567890', 'GB82WEST12345698765432', 'NL91ABNA0417164300'])(
    'accepts %s',
    (iban) => expect(isValidIban(iban)).toBe(true),
  );

  it.each([
    'DE89370400440532013001',
    'DE89 3704 0044 0532 0130 01',
    'DE8937040044053201300',
    'XX',
    '',
    'DE89-3704-0044-0532-0130-00',
    '[IBAN]',
  ])('refuses %s', (iban) => {
    expect(isValidIban(iban)).toBe(false);
  });

  it('normalises printed groups', () => {
    expect(normalizeIban(' de89 3704 0044\t0532 0130 00 ')).toBe('DE89370400440532013000');
  });
});

describe('checkLeitwegId', () => {
  it.each([
    ['04011000-12345-03', '04011000', '12345', 'Bremen'],
    ['992-90009-96', '992', '90009', 'Bund'],
    ['991-33333TEST-33', '991', '33333TEST', 'Bund'],
    ['1234567890-54321-40', '1234567890', '54321', 'Brandenburg'],
    ['90000000-03083-72', '90000000', '03083', undefined],
    ['05999000-HOCHBAU7-71', '05999000', 'HOCHBAU7', 'Nordrhein-Westfalen'],
  ])('accepts %s', (text, coarse, fine, region) => {
    const check = checkLeitwegId(text);
    expect(check).toMatchObject({ valid: true, leitwegId: text, coarse, fine });
    expect(check.valid && check.region).toBe(region);
  });

  it('accepts one without fine address, and normalises case and surrounding space', () => {
    // 991 + check digits: 98 - (99100 mod 97) = 98 - 63 = 35.
    expect(checkLeitwegId('991-35')).toEqual({ valid: true, leitwegId: '991-35', coarse: '991', checkDigits: '35', region: 'Bund' });
    expect(checkLeitwegId(' 05999000-hochbau7-71\n')).toMatchObject({ valid: true, leitwegId: '05999000-HOCHBAU7-71' });
  });

  it.each([
    ['04011000-12345-34', 'its check digits are 34, they should be 03'],
    ['99000000-01944-98', 'its check digits are 98, they should be 56'],
    ['04011000-12345-3', 'form'],
    ['4-12345-03', 'form'],
    ['0401100012345603-1-03', 'form'],
    ['0401100012345123450-1234512345-06', 'form'],
    ['04011000_12345_03', 'form'],
    ['04011000-1234-5-03', 'form'],
    [`04011000-${'A'.repeat(31)}-03`, 'form'],
    ['Kostenstelle 4711', 'form'],
    ['', 'form'],
  ])('refuses %s', (text, problem) => {
    const check = checkLeitwegId(text);
    expect(check.valid).toBe(false);
    expect(!check.valid && check.problem).toContain(problem);
    expect(isLeitwegId(text)).toBe(false);
    expect(isValidLeitwegId(text)).toBe(false);
  });
});

describe('Leitweg-ID check digits', () => {
  it('computes and checks the check digits (ISO 7064 MOD 97-10)', () => {
    expect(leitwegCheckDigits('04011000-1234512345')).toBe('06');
    expect(leitwegCheckDigits('991-33333TEST')).toBe('33');
    expect(isValidLeitwegId('04011000-1234512345-06')).toBe(true);
    expect(isValidLeitwegId('04011000-1234512345-07')).toBe(false);
    expect(isValidLeitwegId('0401100012345123450-1234512345-06')).toBe(false);
  });
});
