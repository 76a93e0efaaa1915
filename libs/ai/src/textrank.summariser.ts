import type { SummaryOutput } from '@app/contracts';
import { contentTerms } from './german.tokeniser.js';
import { splitSentences } from './sentence.splitter.js';

export interface PageRankOptions {
  /** Probability of following an edge rather than jumping anywhere (0.85 as in PageRank and TextRank). */
  damping?: number;
  /** Stop when the scores change by less than this in sum (L1). */
  tolerance?: number;
  maxIterations?: number;
}

/** A weighted undirected graph as adjacency lists: `edges[i]` maps neighbour index to edge weight. */
export type WeightedGraph = ReadonlyArray<ReadonlyMap<number, number>>;

/**
 * Weighted PageRank. A node without edges spreads its score evenly over all nodes, so the scores stay a
 * probability distribution (they sum to 1) and isolated sentences keep the base score.
 */
export function pageRank(edges: WeightedGraph, options: PageRankOptions = {}): number[] {
  const { damping = 0.85, tolerance = 1e-6, maxIterations = 200 } = options;
  const n = edges.length;
  if (n === 0) return [];
  const outWeight = edges.map((neighbours) => [...neighbours.values()].reduce((sum, w) => sum + w, 0));
  let scores = new Array<number>(n).fill(1 / n);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    let dangling = 0;
    for (let j = 0; j < n; j++) if (outWeight[j] === 0) dangling += scores[j]!;
    const next = new Array<number>(n).fill((1 - damping) / n + (damping * dangling) / n);
    for (let j = 0; j < n; j++) {
      if (outWeight[j] === 0) continue;
      const share = (damping * scores[j]!) / outWeight[j]!;
      for (const [i, weight] of edges[j]!) next[i]! += share * weight;
    }
    const change = next.reduce((sum, value, i) => sum + Math.abs(value - scores[i]!), 0);
    scores = next;
    if (change < tolerance) break;
  }
  return scores;
}

/** Units shorter than this (headings, table cells, signatures) are chosen only if nothing else is left. */
const MIN_SENTENCE_WORDS = 5;
/** A candidate this similar to one already chosen repeats it and is passed over while others are left. */
const REDUNDANCY = 0.85;
/** Ranking is quadratic in the worst case; longer texts are ranked on their first units only. */
export const MAX_RANKED_UNITS = 2000;

/**
 * Extractive summary by TextRank: sentences are nodes, edges are the cosine similarity of their TF-IDF
 * vectors over stemmed content words (German stop words removed), and PageRank picks the sentences most
 * similar to many others, that is those carrying the central terms. The chosen sentences are returned
 * in source order with their indexes into `splitSentences(text)`. Deterministic: ties go to the earlier
 * sentence. Texts with at most `count` units come back whole.
 */
export function summariseText(text: string, count: number, options: PageRankOptions = {}): SummaryOutput {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`sentence count must be a positive integer, got ${count}`);
  const units = splitSentences(text);
  if (units.length <= count) return summaryOf(units, units.map((_, index) => index));

  const ranked = units.slice(0, MAX_RANKED_UNITS);
  const vectors = tfIdfVectors(ranked.map(contentTerms));
  const graph = similarityGraph(vectors);
  const scores = pageRank(graph, options);

  const byRank = ranked.map((_, index) => index).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const isSentence = (index: number) => !units[index]!.startsWith('|') && units[index]!.split(' ').length >= MIN_SENTENCE_WORDS;
  const chosen: number[] = [];
  const passedOver: number[] = [];
  for (const index of byRank.filter(isSentence)) {
    if (chosen.length === count) break;
    if (chosen.some((other) => (graph[index]!.get(other) ?? 0) >= REDUNDANCY)) passedOver.push(index);
    else chosen.push(index);
  }
  // Fill up with near-repeats first, then with headings and other short units.
  for (const index of [...passedOver, ...byRank.filter((index) => !isSentence(index))]) {
    if (chosen.length === count) break;
    chosen.push(index);
  }
  return summaryOf(units, chosen.sort((a, b) => a - b));
}

function summaryOf(units: string[], indexes: number[]): SummaryOutput {
  const sentences = indexes.map((index) => units[index]!);
  return { summary: sentences.join(' '), sentences, sentenceIndexes: indexes };
}

/** Unit-length TF-IDF vectors; IDF smoothed so a term in every sentence still counts a little. */
function tfIdfVectors(documents: string[][]): Map<string, number>[] {
  const documentFrequency = new Map<string, number>();
  for (const terms of documents) {
    for (const term of new Set(terms)) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  }
  const n = documents.length;
  return documents.map((terms) => {
    const counts = new Map<string, number>();
    for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
    const vector = new Map<string, number>();
    let norm = 0;
    for (const [term, tf] of counts) {
      const weight = (1 + Math.log(tf)) * (Math.log((1 + n) / (1 + documentFrequency.get(term)!)) + 1);
      vector.set(term, weight);
      norm += weight * weight;
    }
    norm = Math.sqrt(norm);
    for (const [term, weight] of vector) vector.set(term, weight / norm);
    return vector;
  });
}

/** Cosine similarities of unit vectors, computed only for pairs that share a term (inverted index). */
function similarityGraph(vectors: Map<string, number>[]): Map<number, number>[] {
  const postings = new Map<string, number[]>();
  vectors.forEach((vector, index) => {
    for (const term of vector.keys()) {
      const list = postings.get(term);
      if (list) list.push(index);
      else postings.set(term, [index]);
    }
  });
  const edges = vectors.map(() => new Map<number, number>());
  vectors.forEach((vector, i) => {
    for (const [term, weight] of vector) {
      for (const j of postings.get(term)!) {
        if (j <= i) continue;
        edges[i]!.set(j, (edges[i]!.get(j) ?? 0) + weight * vectors[j]!.get(term)!);
      }
    }
  });
  // Mirror the upper triangle: the graph is undirected.
  edges.forEach((neighbours, i) => {
    for (const [j, weight] of neighbours) if (j > i) edges[j]!.set(i, weight);
  });
  return edges;
}
