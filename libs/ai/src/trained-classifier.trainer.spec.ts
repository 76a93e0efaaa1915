import { PermanentError } from '@app/contracts';
import { describe, expect, it } from '@jest/globals';
import { EXAMPLES } from './trained-classifier.fixture.js';
import { corpusHash, trainClassifier } from './trained-classifier.trainer.js';

describe('trainClassifier', () => {
  const now = () => new Date('2026-01-02T03:04:05.000Z');

  it('learns the labels of the examples and tells new texts apart', () => {
    const model = trainClassifier(EXAMPLES, { features: { minDf: 1 }, now });
    expect(model.labels).toEqual(['bauen', 'finanzen', 'umwelt']);
    expect(model.predict('Die Steuer ist bei der Stadtkasse fällig.').label).toBe('finanzen');
    expect(model.predict('Der Bebauungsplan und der Bauantrag.').label).toBe('bauen');
    expect(model.predict('Restmüll und Abfall werden abgeholt.').label).toBe('umwelt');
  });

  it('answers with a confidence and a probability per label', () => {
    const model = trainClassifier(EXAMPLES, { features: { minDf: 1 }, now });
    const result = model.predict('Die Hundesteuer ist fällig.');
    expect(Object.keys(result.scores)).toEqual(['bauen', 'finanzen', 'umwelt']);
    expect(Object.values(result.scores).reduce((sum, p) => sum + p, 0)).toBeCloseTo(1, 2);
    expect(result.confidence).toBe(result.scores[result.label]);
    expect(result.confidence).toBeGreaterThan(1 / 3);
  });

  it('has confidence 0 for a text without a single known word', () => {
    const model = trainClassifier(EXAMPLES, { features: { minDf: 1 }, now });
    expect(model.predict('Xylophon Quarz').confidence).toBe(0);
  });

  it('records where the model came from', () => {
    const model = trainClassifier(EXAMPLES, { features: { minDf: 1 }, model: { l2: 1e-3 }, now });
    expect(model.training).toMatchObject({
      trainedAt: '2026-01-02T03:04:05.000Z',
      exampleCount: 12,
      labelCounts: { bauen: 4, finanzen: 4, umwelt: 4 },
      corpusHash: corpusHash(EXAMPLES),
      stemmer: 'snowball-german/classic',
      model: { l2: 1e-3, classWeight: 'balanced' },
      converged: true,
    });
    expect(model.modelName).toMatch(/^tfidf-softmax-regression\/2\+[0-9a-f]{12}$/);
  });

  it('gives the same model for the same examples in another order', () => {
    const a = trainClassifier(EXAMPLES, { features: { minDf: 1 }, now });
    const b = trainClassifier([...EXAMPLES].reverse(), { features: { minDf: 1 }, now });
    expect(b.toJSON()).toEqual(a.toJSON());
  });

  it('hashes the examples independently of their order, but not of their content', () => {
    expect(corpusHash([...EXAMPLES].reverse())).toBe(corpusHash(EXAMPLES));
    expect(corpusHash(EXAMPLES.slice(1))).not.toBe(corpusHash(EXAMPLES));
    expect(corpusHash([{ ...EXAMPLES[0]!, label: 'bauen' }, ...EXAMPLES.slice(1)])).not.toBe(corpusHash(EXAMPLES));
  });

  it.each([
    ['one label only', EXAMPLES.filter((example) => example.label === 'bauen'), 'at least two labels'],
    ['an empty label', [...EXAMPLES, { label: ' ', text: 'x' }], 'example 13 has no label'],
    ['an empty text', [...EXAMPLES, { label: 'bauen', text: '' }], 'example 13 (bauen) has no text'],
  ])('refuses %s with a PermanentError', (_, examples, message) => {
    expect(() => trainClassifier(examples)).toThrow(PermanentError);
    expect(() => trainClassifier(examples)).toThrow(message);
  });
});
