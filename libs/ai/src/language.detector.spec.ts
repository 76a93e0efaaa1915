import { describe, expect, it } from '@jest/globals';
import { detectLanguage, MIN_LETTERS, UNDETERMINED } from './language.detector.js';

const GERMAN =
  'Die Gemeinde erhebt eine Hundesteuer für jeden im Gemeindegebiet gehaltenen Hund. Die Steuer ist jährlich im Voraus ' +
  'zu entrichten und wird am 1. März fällig. Wer einen Hund hält, hat dies innerhalb von zwei Wochen anzuzeigen.';

describe('detectLanguage', () => {
  it.each([
    ['deu', GERMAN],
    ['eng', 'The council levies a dog tax on all owners of dogs within the municipality, payable every year in advance.'],
    ['fra', 'Le conseil municipal a adopté le règlement relatif à la taxe sur les chiens, payable chaque année.'],
    ['nld', 'De gemeente heft een hondenbelasting op alle honden die in de gemeente worden gehouden.'],
  ])('recognises %s', (language, text) => {
    const result = detectLanguage(text);
    expect(result.language).toBe(language);
    expect(result.confidence).toBeGreaterThan(0.3);
    expect(result.confidence).toBeLessThanOrEqual(1);
  });

  it.each([[''], ['   '], ['Guten Tag'], ['§ 3 Abs. 2 Nr. 5, 12.03.2009 – 1.200,00 €']])('answers "und" with confidence 0 for %j', (text) => {
    expect(detectLanguage(text)).toEqual({ language: UNDETERMINED, confidence: 0 });
  });

  it('needs MIN_LETTERS letters', () => {
    const short = 'Die Steuer ist fällig.'; // 18 letters
    expect(short.match(/\p{L}/gu)!.length).toBeLessThan(MIN_LETTERS);
    expect(detectLanguage(short).language).toBe(UNDETERMINED);
    expect(detectLanguage(`${short} Jetzt.`).language).toBe('deu');
  });

  it('is more confident on more text', () => {
    const five = detectLanguage('Die Gemeinde erhebt eine Hundesteuer.');
    const long = detectLanguage(GERMAN.repeat(3));
    expect(five.language).toBe('deu');
    expect(long.language).toBe('deu');
    expect(long.confidence).toBeGreaterThan(five.confidence);
    expect(long.confidence).toBeGreaterThan(0.6);
  });

  it('judges long texts on samples from all over the text, not only the opening', () => {
    const english =
      'This section of the document was written in English by the applicant and explains the reasons for the request. ';
    const mostlyGerman = english + GERMAN.repeat(8);
    const result = detectLanguage(mostlyGerman);
    expect(result.language).toBe('deu');
    // The English opening costs some certainty.
    expect(result.confidence).toBeLessThan(detectLanguage(GERMAN.repeat(8)).confidence);
  });

  it('is deterministic', () => {
    expect(detectLanguage(GERMAN)).toEqual(detectLanguage(GERMAN));
  });
});
