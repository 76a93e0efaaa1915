import { describe, expect, it } from '@jest/globals';
import { checkLeitwegId, isLeitwegId } from './leitweg-id.validator.js';

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
  });
});
