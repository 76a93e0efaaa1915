import { describe, expect, it } from '@jest/globals';
import { splitSentences } from './sentence.splitter.js';
import { pageRank, summariseText } from './textrank.summariser.js';

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const undirected = (n: number, edges: [number, number, number][]) => {
  const graph = Array.from({ length: n }, () => new Map<number, number>());
  for (const [a, b, w] of edges) {
    graph[a]!.set(b, w);
    graph[b]!.set(a, w);
  }
  return graph;
};

describe('pageRank', () => {
  it('ranks the hub of a star highest and keeps a probability distribution', () => {
    const scores = pageRank(undirected(4, [[0, 1, 1], [0, 2, 1], [0, 3, 1]]));
    expect(sum(scores)).toBeCloseTo(1, 6);
    expect(scores[0]).toBeGreaterThan(scores[1]!);
    expect(scores[1]).toBeCloseTo(scores[2]!, 9);
    // Closed form for a star with damping d: hub = (1 - d)/4 + d * 3 * leaf, leaf = (1 - d)/4 + d * hub / 3.
    const d = 0.85;
    const hub = ((1 - d) / 4 + (d * (1 - d)) / 4 * 3) / (1 - d * d);
    expect(scores[0]).toBeCloseTo(hub, 5);
  });

  it('follows edge weights', () => {
    const scores = pageRank(undirected(3, [[0, 1, 5], [1, 2, 1]]));
    expect(scores[1]).toBeGreaterThan(scores[0]!);
    expect(scores[0]).toBeGreaterThan(scores[2]!);
  });

  it('gives isolated nodes the base score and spreads theirs evenly', () => {
    const scores = pageRank(undirected(3, [[0, 1, 1]]));
    expect(sum(scores)).toBeCloseTo(1, 6);
    expect(scores[0]).toBeCloseTo(scores[1]!, 9);
    expect(scores[2]).toBeLessThan(scores[0]!);
  });

  it('uses the damping factor', () => {
    const graph = undirected(4, [[0, 1, 1], [0, 2, 1], [0, 3, 1]]);
    expect(pageRank(graph, { damping: 0 })).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it('handles an empty graph', () => {
    expect(pageRank([])).toEqual([]);
  });
});

const DOG_TAX = [
  'Die Gemeinde erhebt eine Hundesteuer für jeden Hund im Gemeindegebiet.',
  'Das Rathaus ist am Montagnachmittag geschlossen.',
  'Die Hundesteuer für einen Hund beträgt jährlich 120 Euro.',
  'Im Sommer findet ein Dorffest auf dem Marktplatz statt.',
  'Für einen zweiten Hund wird eine erhöhte Hundesteuer erhoben.',
  'Der Winterdienst räumt ab sechs Uhr morgens.',
  'Wer einen Hund hält, muss die Hundesteuer bis zum 1. März anmelden.',
  'Die Bücherei hat neue Öffnungszeiten.',
].join(' ');

describe('summariseText', () => {
  it('picks the sentences that carry the central terms', () => {
    const result = summariseText(DOG_TAX, 3);
    expect(result.sentences).toHaveLength(3);
    for (const sentence of result.sentences) expect(sentence).toMatch(/Hundesteuer/);
  });

  it('returns whole source sentences in source order with their indexes', () => {
    const units = splitSentences(DOG_TAX);
    const result = summariseText(DOG_TAX, 4);
    expect(result.sentenceIndexes).toEqual([...result.sentenceIndexes].sort((a, b) => a - b));
    expect(result.sentences).toEqual(result.sentenceIndexes.map((index) => units[index]));
    expect(result.summary).toBe(result.sentences.join(' '));
  });

  it('respects the count', () => {
    for (const count of [1, 2, 5, 7]) expect(summariseText(DOG_TAX, count).sentences).toHaveLength(count);
  });

  it('returns a text with at most `count` sentences whole', () => {
    const text = 'Die Satzung wird aufgehoben. Sie tritt außer Kraft.';
    expect(summariseText(text, 2)).toEqual({ summary: text, sentences: splitSentences(text), sentenceIndexes: [0, 1] });
    expect(summariseText(text, 5).sentenceIndexes).toEqual([0, 1]);
    expect(summariseText('', 3)).toEqual({ summary: '', sentences: [], sentenceIndexes: [] });
  });

  it('is deterministic', () => {
    expect(summariseText(DOG_TAX, 3)).toEqual(summariseText(DOG_TAX, 3));
  });

  it('does not pick a repeated sentence twice while others are left', () => {
    const repeated = 'Die Hundesteuer für einen Hund beträgt jährlich 120 Euro.';
    const text = `${DOG_TAX} ${repeated} ${repeated}`;
    const result = summariseText(text, 3);
    expect(result.sentences.filter((sentence) => sentence === repeated).length).toBeLessThanOrEqual(1);
  });

  it('prefers sentences over headings and table rows', () => {
    const text = [
      '§ 1 Hundesteuer',
      'Die Gemeinde erhebt eine Hundesteuer für jeden Hund im Gemeindegebiet.',
      '| Hundesteuer | Hund |',
      'Die Hundesteuer für einen Hund beträgt jährlich 120 Euro.',
      'Das Rathaus ist am Montagnachmittag geschlossen.',
    ].join('\n\n');
    const result = summariseText(text, 2);
    expect(result.sentences).toEqual([
      'Die Gemeinde erhebt eine Hundesteuer für jeden Hund im Gemeindegebiet.',
      'Die Hundesteuer für einen Hund beträgt jährlich 120 Euro.',
    ]);
  });

  it('refuses a count that is not a positive integer', () => {
    expect(() => summariseText(DOG_TAX, 0)).toThrow(RangeError);
    expect(() => summariseText(DOG_TAX, 1.5)).toThrow(RangeError);
  });
});
