import { describe, expect, it } from '@jest/globals';
import { classifyText } from './keyword.classifier.js';

const hit = (text: string, keyword: string) => classifyText(text, { a: [keyword], b: ['zzzz'] }, 'none').label === 'a';

describe('classifyText', () => {
  describe('keyword matching', () => {
    it.each([
      ['bau', 'Der Bauantrag ist einzureichen.', true, 'start of a compound'],
      ['bau', 'Der Neubau ist genehmigt.', true, 'end of a compound (its head)'],
      ['bau', 'Die Bebauung ist zulässig.', false, 'a short keyword does not match inside a word'],
      ['steuer', 'Die Hundesteuer ist fällig.', true, 'compound head'],
      ['gebühr', 'Die Waaggebührenordnung gilt.', true, 'inside a compound'],
      ['gebühr', 'Die GEBÜHREN sind fällig.', true, 'case and inflection'],
      ['gebuehr', 'Die Gebühren sind fällig.', true, 'transliterated umlaut in the keyword'],
      ['Gebühren', 'Die Gebuehr ist faellig.', true, 'transliterated umlaut in the text, plural keyword'],
      ['straße', 'Die Strassenreinigung ist Pflicht.', true, 'ß and ss'],
      ['rat', 'Die Beratung ist kostenlos.', false, 'no chance match inside a word'],
      ['rat', 'Der Gemeinderat beschließt.', true, 'compound head'],
      ['öffentliche sicherheit', 'Die Wahrung der öffentlichen Sicherheit ist Aufgabe der Polizei.', true, 'a phrase'],
      ['öffentliche sicherheit', 'Die öffentliche Straße dient der Sicherheit.', false, 'a phrase needs its words in a row'],
    ])('"%s" in "%s": %s (%s)', (keyword, text, expected) => {
      expect(hit(text, keyword)).toBe(expected);
    });
  });

  const labels = {
    finanzen: ['steuer', 'gebühr', 'haushalt'],
    bauen: ['bau', 'bebauungsplan'],
    umwelt: ['abfall', 'abwasser'],
  };

  it('picks the label with the most weighted hits and gives each label its share', () => {
    const result = classifyText('Satzung über die Erhebung der Hundesteuer\n\nDie Steuer wird für Hunde erhoben. Die Gebühren für Abfall bleiben.', labels, 'sonstiges');
    expect(result.label).toBe('finanzen');
    expect(result.scores.bauen).toBe(0);
    expect(result.scores.finanzen).toBeGreaterThan(result.scores.umwelt!);
    expect(result.scores.finanzen! + result.scores.bauen! + result.scores.umwelt!).toBeCloseTo(1, 2);
    expect(result.confidence).toBeGreaterThan(0);
    expect(result.confidence).toBeLessThanOrEqual(result.scores.finanzen!);
  });

  it('weights the title line', () => {
    // One hit each in the body; the title decides.
    const body = 'Die Steuer und der Abfall werden geregelt.';
    expect(classifyText(`Abfallwirtschaftssatzung\n${body}`, labels, 'sonstiges').label).toBe('umwelt');
    expect(classifyText(`Hundesteuersatzung\n${body}`, labels, 'sonstiges').label).toBe('finanzen');
  });

  it('counts a word once per label even if several keywords match it', () => {
    const single = classifyText('Der Bebauungsplan gilt.', { bauen: ['bau', 'bebauungsplan', 'bebauung'], finanzen: ['plan'] }, 'x');
    // "Bebauungsplan" is one hit for bauen (title weight included) and one for the compound head "plan".
    expect(single.scores.bauen).toBeCloseTo(4 / (4 + 4 * 0.75), 2);
  });

  it('falls back with confidence 0 when nothing matches', () => {
    expect(classifyText('Das Rathaus ist montags geschlossen.', labels, 'sonstiges')).toEqual({
      label: 'sonstiges',
      confidence: 0,
      scores: { finanzen: 0, bauen: 0, umwelt: 0 },
    });
  });

  it('is more confident with more evidence', () => {
    const one = classifyText('Text\nDie Steuer ist fällig.', labels, 'x');
    const many = classifyText('Text\nDie Steuer, die Gebühr und der Haushalt. Die Steuer ist fällig.', labels, 'x');
    expect(one.label).toBe('finanzen');
    expect(many.label).toBe('finanzen');
    expect(many.confidence).toBeGreaterThan(one.confidence);
  });

  it('gives a tie to the label named first', () => {
    const result = classifyText('Text\nSteuer und Abfall.', labels, 'x');
    expect(result.scores.finanzen).toBe(result.scores.umwelt);
    expect(result.label).toBe('finanzen');
  });
});
