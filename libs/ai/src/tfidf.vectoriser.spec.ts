import { describe, expect, it } from '@jest/globals';
import { CompoundSplitter, DEFAULT_TFIDF_OPTIONS, TfidfVectoriser, analyseText, weighFeatures } from './tfidf.vectoriser.js';

const options = (partial: Partial<typeof DEFAULT_TFIDF_OPTIONS> = {}) => ({ ...DEFAULT_TFIDF_OPTIONS, ...partial });
const norm = (values: Float64Array) => Math.sqrt(values.reduce((sum, value) => sum + value * value, 0));

describe('analyseText', () => {
  it('keeps content words, stemmed; drops stop words and one-letter words', () => {
    expect(analyseText('Die Gebühren für den Hund werden erhoben.', options())).toEqual(['w:gebuhr', 'w:hund', 'w:erhob']);
  });

  it('reads "ue" as "ü" when transliterating, so ASCII text meets the original', () => {
    expect(analyseText('Gebuehren', options())).toEqual(analyseText('Gebühren', options()));
    expect(analyseText('Gebuehren', options({ transliterate: false }))).toEqual(['w:gebuehr']);
  });

  it('pairs neighbouring content words as bigrams, not across a stop word', () => {
    const features = analyseText('Erhebung der Hundesteuer Satzung', options({ wordUnigrams: false, wordBigrams: true }));
    expect(features).toEqual(['b:hundesteu satzung']);
  });

  it('cuts padded letter n-grams from the folded word', () => {
    const features = analyseText('Hund', options({ wordUnigrams: false, charNgrams: { min: 3, max: 4 } }));
    expect(features).toEqual(['c: hu', 'c:hun', 'c:und', 'c:nd ', 'c: hun', 'c:hund', 'c:und ']);
  });

  it('adds the title block from the first line only', () => {
    const features = analyseText('Hundesteuersatzung\nDie Steuer', options({ titleWeight: 1 }));
    expect(features).toEqual(['w:hundesteuersatz', 'w:steu', 't:hundesteuersatz']);
  });
});

describe('weighFeatures', () => {
  it('counts each occurrence 1 without positionDecay', () => {
    expect(weighFeatures('Hund Katze Hund', options())).toEqual(new Map([['w:hund', 2], ['w:katz', 1]]));
  });

  it('lets the i-th content word count 1 / (1 + i / positionDecay); stop words take no position', () => {
    const weights = weighFeatures('Der Hund und die Katze, der Hund', options({ positionDecay: 1 }));
    // hund at positions 0 and 2, katz at 1.
    expect(weights.get('w:hund')).toBeCloseTo(1 + 1 / 3, 12);
    expect(weights.get('w:katz')).toBeCloseTo(1 / 2, 12);
  });

  it('gives compound parts and letter n-grams the weight of their word; title features count 1', () => {
    const splitter = new CompoundSplitter(['hunde', 'steuer']);
    const weights = weighFeatures(
      'Satzung\nHundesteuer',
      options({ positionDecay: 1, compoundParts: true, charNgrams: { min: 4, max: 4 }, titleWeight: 1 }),
      splitter,
    );
    // "Satzung" is word 0 (weight 1), "Hundesteuer" word 1 (weight 1/2).
    for (const feature of ['w:hundesteu', 'w:hund', 'w:steu', 'c: hun', 'c:teur']) expect(weights.get(feature)).toBeCloseTo(1 / 2, 12);
    expect(weights.get('c:satz')).toBeCloseTo(1, 12);
    expect(weights.get('t:satzung')).toBe(1);
  });
});

describe('CompoundSplitter', () => {
  const splitter = new CompoundSplitter(['hunde', 'steuer', 'satzung', 'verwaltung', 'gebühren', 'schüler', 'beförderung', 'kosten', 'park']);

  it.each([
    ['hundesteuer', ['hunde', 'steuer']],
    ['hundesteuersatzung', ['hunde', 'steuer', 'satzung']],
    ['verwaltungsgebühren', ['verwaltung', 'gebühren']],
    ['schülerbeförderungskosten', ['schüler', 'beförderung', 'kosten']],
    ['parkgebühren', ['park', 'gebühren']],
  ])('%s -> %j', (word, parts) => {
    expect(splitter.split(word)).toEqual(parts);
  });

  it('leaves words alone that are no compound of lexicon words, or too short', () => {
    expect(splitter.split('steuer')).toEqual([]);
    expect(splitter.split('bebauungsplan')).toEqual([]);
    expect(splitter.split('parks')).toEqual([]);
  });

  it('adds the parts as words when enabled', () => {
    const vectoriser = TfidfVectoriser.fit(['Hundesteuer Satzung', 'Steuer Hunde', 'Hunde Steuer'], { compoundParts: true, minDf: 1 });
    expect(vectoriser.state.lexicon).toEqual(['hunde', 'steuer']);
    expect(analyseText('Hundesteuer', vectoriser.state.options, new CompoundSplitter(vectoriser.state.lexicon))).toEqual([
      'w:hundesteu',
      'w:hund',
      'w:steu',
    ]);
  });
});

describe('TfidfVectoriser', () => {
  const texts = ['Hund Steuer Hund', 'Hund Katze', 'Steuer Gebühr', 'Gebühr Katze Maus'];

  it('keeps features of at least minDf texts, sorted, with smooth idf', () => {
    const vectoriser = TfidfVectoriser.fit(texts, { minDf: 2 });
    expect(vectoriser.state.vocabulary).toEqual(['w:gebuhr', 'w:hund', 'w:katz', 'w:steu']);
    // Every feature is in 2 of 4 texts: ln(5/3) + 1.
    for (const idf of vectoriser.state.idf) expect(idf).toBeCloseTo(Math.log(5 / 3) + 1, 12);
  });

  it('keeps the maxFeatures most frequent, ties by name', () => {
    const vectoriser = TfidfVectoriser.fit(['a1 b1 c1', 'a1 b1', 'a1'], { minDf: 1, maxFeatures: 2 });
    expect(vectoriser.state.vocabulary).toEqual(['w:a1', 'w:b1']);
  });

  it('gives unit vectors with sublinear tf, ignoring unknown features', () => {
    const vectoriser = TfidfVectoriser.fit(texts, { minDf: 2 });
    const vector = vectoriser.transform('Hund Hund Hund Steuer Elefant');
    expect(Array.from(vector.indices)).toEqual([1, 3]);
    expect(norm(vector.values)).toBeCloseTo(1, 12);
    // Same idf, so the ratio is the ratio of the tf weights: (1 + ln 3) / 1.
    expect(vector.values[0]! / vector.values[1]!).toBeCloseTo(1 + Math.log(3), 12);
    expect(vectoriser.transform('Elefant').indices).toHaveLength(0);
  });

  it('with positionDecay, weighs a feature ln(1 + tf) · idf, so early words outweigh late ones', () => {
    const vectoriser = TfidfVectoriser.fit(texts, { minDf: 2, positionDecay: 2 });
    const vector = vectoriser.transform('Steuer Elefant Hund');
    const byFeature = Object.fromEntries(Array.from(vector.indices, (at, n) => [vectoriser.state.vocabulary[at]!, vector.values[n]!]));
    // steu at position 0 (tf 1), hund at position 2 (tf 1/2); same idf.
    expect(byFeature['w:steu']! / byFeature['w:hund']!).toBeCloseTo(Math.log(2) / Math.log(1.5), 12);
    expect(norm(vector.values)).toBeCloseTo(1, 12);
  });

  it('does not depend on the order of the training texts', () => {
    expect(TfidfVectoriser.fit([...texts].reverse(), { minDf: 1 }).state).toEqual(TfidfVectoriser.fit(texts, { minDf: 1 }).state);
  });

  it('weighs each block to its weight before the final scaling', () => {
    const vectoriser = TfidfVectoriser.fit(['Hund\nKatze', 'Hund\nKatze'], { minDf: 1, titleWeight: 2 });
    const vector = vectoriser.transform('Hund\nKatze');
    const byFeature = Object.fromEntries(Array.from(vector.indices, (at, n) => [vectoriser.state.vocabulary[at]!, vector.values[n]!]));
    // The word block (hund, katz) has length 1, the title block (t:hund) length 2.
    expect(byFeature['t:hund']! / byFeature['w:hund']!).toBeCloseTo(2 / Math.SQRT1_2, 12);
  });
});
