import { describe, expect, it } from '@jest/globals';
import { examplePatternValue, XsdPatternError } from './xsd-pattern.example.js';

/** XSD patterns match the whole value; JavaScript's u flag reads these ones the same way (subtraction aside). */
function matches(pattern: string, value: string): boolean {
  const js = pattern.replace('[a-z-[aeiou]]', '[b-df-hj-np-tv-z]');
  return new RegExp(`^(?:${js})$`, 'u').test(value);
}

describe('examplePatternValue', () => {
  it.each([
    // xdomea ProzessID, XÖV style
    '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}',
    // a Leitweg-ID (XRechnung)
    '[0-9]{2,12}(-[0-9A-Z]{1,30})?-[0-9]{2}',
    // postcodes, codes with alternatives and escapes
    '\\d{5}',
    'DE|AT|CH',
    '(urn|URN):[a-z]+(\\.[a-z]+)*',
    '[A-Z]{2}\\d{2}[A-Z0-9]{1,30}',
    '\\p{Lu}\\p{Ll}+',
    '[^0-9]{3}',
    '[a-z-[aeiou]]{2}',
    '\\s*\\S+',
    '.{4,}',
    '[\\-+]?[0-9]+(\\.[0-9]{1,2})?',
  ])('gives a shortest value %s matches', (pattern) => {
    const value = examplePatternValue(pattern);
    expect({ pattern, value, matches: matches(pattern, value) }).toEqual({ pattern, value, matches: true });
  });

  it('takes the shortest branch and the fewest repetitions', () => {
    expect(examplePatternValue('abc|d')).toBe('d');
    expect(examplePatternValue('x*y+z?')).toBe('y');
    expect(examplePatternValue('[0-9]{3,5}')).toBe('000');
  });

  it('says why it cannot read a pattern', () => {
    expect(() => examplePatternValue('(ab')).toThrow(XsdPatternError);
    expect(() => examplePatternValue('[ab')).toThrow(/missing \]/);
    expect(() => examplePatternValue('a{x}')).toThrow(/quantifier/);
  });
});
