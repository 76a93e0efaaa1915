import { describe, expect, it } from '@jest/globals';
import { contentTerms, foldGerman, isStopword, stemGerman, tokenise } from './german.tokeniser.js';

describe('foldGerman', () => {
  it.each([
    ['Gebühr', 'gebuhr'],
    ['Gebuehr', 'gebuhr'],
    ['GEBÜHR', 'gebuhr'],
    ['Straße', 'strasse'],
    ['Größe', 'grosse'],
    ['Bäume', 'baume'],
  ])('folds %s to %s', (word, folded) => {
    expect(foldGerman(word)).toBe(folded);
  });
});

describe('tokenise', () => {
  it('keeps words with digits inside and drops bare numbers and signs', () => {
    expect(tokenise('Nach § 34 BauGB, Abs. 2: 1.200 € für A1-Flächen.')).toEqual(['Nach', 'BauGB', 'Abs', 'für', 'A1', 'Flächen']);
  });
});

describe('stemGerman', () => {
  it.each([
    ['Bäume', 'Baum'],
    ['Steuern', 'Steuer'],
    ['Anträgen', 'Antrag'],
    ['Anträge', 'Antrag'],
    ['Gebühren', 'Gebühr'],
    ['Gemeinden', 'Gemeinde'],
    ['Hundes', 'Hund'],
    ['Kindern', 'Kinder'],
    ['Bebauungspläne', 'Bebauungsplan'],
    ['Straßen', 'Straße'],
    ['Regeln', 'Regel'],
    ['Plans', 'Plan'],
  ])('%s and %s share a stem', (a, b) => {
    expect(stemGerman(foldGerman(a))).toBe(stemGerman(foldGerman(b)));
  });

  it('never cuts a stem below four letters', () => {
    expect(stemGerman('rate')).toBe('rate');
    expect(stemGerman('haus')).toBe('haus');
    expect(stemGerman('hauses')).toBe('haus');
  });

  it('keeps an "n" that belongs to the word', () => {
    expect(stemGerman('bebauungsplan')).toBe('bebauungsplan');
    expect(stemGerman('organ')).toBe('organ');
  });

  it('leaves derivational endings alone', () => {
    expect(stemGerman(foldGerman('Satzung'))).toBe('satzung');
    expect(stemGerman(foldGerman('Satzungen'))).toBe('satzung');
  });
});

describe('contentTerms', () => {
  it('drops general and administrative stop words and stems the rest', () => {
    expect(contentTerms('Die Gebühren werden nach Abs. 2 und gemäß Satz 1 von den Gemeinden erhoben.')).toEqual([
      'gebuhr',
      'gemeind',
      'erhob',
    ]);
  });

  it('knows the German stop word list, folded', () => {
    expect(isStopword('uber')).toBe(true);
    expect(isStopword('und')).toBe(true);
    expect(isStopword('hund')).toBe(false);
  });
});
