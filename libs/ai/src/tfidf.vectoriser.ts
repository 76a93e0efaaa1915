import { snowballGermanStem } from './german.stemmer.js';
import { foldGerman, isStopword, tokenise } from './german.tokeniser.js';

/**
 * TF-IDF features for German administrative text. A text becomes a bag of features of these kinds,
 * each written with a prefix so they never collide:
 *
 * - `w:<stem>`: a word, lower-cased, German stop words dropped, Snowball-stemmed ("Gebühren" -> `w:gebuhr`);
 * - `b:<stem> <stem>`: two such words in a row (stop words are dropped before pairing);
 * - `c:<n-gram>`: letter n-grams of each (folded, unstemmed) word with a space on either side, which
 *   catch the parts of German compounds (" hund", "steuer " in "Hundesteuer");
 * - `t:<stem>` and `tc:<n-gram>`: the words and letter n-grams of the first line, usually the title,
 *   which names the subject ("Satzung über die Erhebung der Hundesteuer");
 * - with `compoundParts`, a compound also counts as its parts, when it can be cut into words seen in
 *   training on their own ("Hundesteuersatzung" adds `w:hund`, `w:steu`, `w:satzung`).
 *
 * The weight of a feature is (1 + ln tf) · idf with idf = ln((1 + n) / (1 + df)) + 1 (n documents,
 * df of them with the feature). With `positionDecay`, words further into the text count less (see there)
 * and the weight is ln(1 + tf) · idf, tf being the sum of the word weights. Each kind of feature (words, bigrams, n-grams, title) is a block of its
 * own: a block is scaled to length 1, then by its weight, and the whole vector to length 1 again, so a
 * long text's thousands of n-grams do not drown its dozen title words.
 */
export interface TfidfOptions {
  /** Word stems as features. Default true. */
  wordUnigrams: boolean;
  /** Pairs of adjacent word stems. Default false. */
  wordBigrams: boolean;
  /** Letter n-grams inside words, from `min` to `max` letters; null for none. Default null. */
  charNgrams: { min: number; max: number } | null;
  /** Read "ae", "oe", "ue" as umlauts before stemming (ASCII-only legacy text). Default true. */
  transliterate: boolean;
  /** Weight of the word bigram block against the word block. Default 1. */
  bigramWeight: number;
  /** Weight of the letter n-gram block against the word block. Default 1. */
  charWeight: number;
  /** Weight of the title block (words and letter n-grams of the first line); 0 for none. Default 0. */
  titleWeight: number;
  /** Letter n-grams of the title words, for the title block; null for none. Default null. */
  titleCharNgrams: { min: number; max: number } | null;
  /** Keep a feature only if at least this many training texts have it. Default 2. */
  minDf: number;
  /** Keep at most this many features, those in the most training texts first. Default 50 000. */
  maxFeatures: number;
  /** Use 1 + ln(tf) instead of tf. Default true. */
  sublinearTf: boolean;
  /** Add the parts of compounds as words (the lexicon of parts is learnt in training). Default false. */
  compoundParts: boolean;
  /**
   * The i-th content word of the text (counting from 0, stop words not counted) and all features made
   * from it count 1 / (1 + i / positionDecay) instead of 1; null: every occurrence counts 1. An
   * ordinance names its subject in the title and first paragraphs; what follows (fees, fines, entry into
   * force) is much the same in every domain. Title-block features always count 1. Default null.
   */
  positionDecay: number | null;
}

export const DEFAULT_TFIDF_OPTIONS: TfidfOptions = {
  wordUnigrams: true,
  wordBigrams: false,
  charNgrams: null,
  transliterate: true,
  bigramWeight: 1,
  charWeight: 1,
  titleWeight: 0,
  titleCharNgrams: null,
  minDf: 2,
  maxFeatures: 50_000,
  sublinearTf: true,
  compoundParts: false,
  positionDecay: null,
};

/** A sparse vector: `indices` ascending, `values` beside them. */
export interface SparseVector {
  indices: Int32Array;
  values: Float64Array;
}

/** What a fitted vectoriser is made of; this is what a model file stores. */
export interface TfidfState {
  options: TfidfOptions;
  vocabulary: string[];
  idf: number[];
  /** Words a compound may be cut into (lower-case), when `options.compoundParts`; else empty. */
  lexicon: string[];
}

/** The raw features of a text, each as often as it occurs (whatever `positionDecay` says). */
export function analyseText(text: string, options: TfidfOptions, splitter?: CompoundSplitter): string[] {
  const features: string[] = [];
  eachFeature(text, options, splitter, (feature) => features.push(feature));
  return features;
}

/** The features of a text with their term weights: counts, or with `positionDecay` sums of word weights. */
export function weighFeatures(text: string, options: TfidfOptions, splitter?: CompoundSplitter): Map<string, number> {
  const weights = new Map<string, number>();
  eachFeature(text, options, splitter, (feature, weight) => weights.set(feature, (weights.get(feature) ?? 0) + weight));
  return weights;
}

function eachFeature(text: string, options: TfidfOptions, splitter: CompoundSplitter | undefined, use: (feature: string, weight: number) => void): void {
  const body = text.trimStart();
  const stemOf = (word: string) => snowballGermanStem(word, { transliterate: options.transliterate });
  const decay = options.positionDecay;
  let position = 0;
  const grams: string[] = [];
  words(body, options, (stem, folded, previous, lower) => {
    const weight = decay ? 1 / (1 + position / decay) : 1;
    position++;
    if (options.wordUnigrams) use(`w:${stem}`, weight);
    if (splitter) for (const part of splitter.split(lower)) use(`w:${stemOf(part)}`, weight);
    if (options.wordBigrams && previous !== undefined) use(`b:${previous} ${stem}`, weight);
    if (options.charNgrams) {
      grams.length = 0;
      ngrams(folded, options.charNgrams, 'c:', grams);
      for (const gram of grams) use(gram, weight);
    }
  });
  if (options.titleWeight > 0) {
    const newline = body.indexOf('\n');
    words(newline < 0 ? body : body.slice(0, newline), options, (stem, folded) => {
      use(`t:${stem}`, 1);
      if (options.titleCharNgrams) {
        grams.length = 0;
        ngrams(folded, options.titleCharNgrams, 'tc:', grams);
        for (const gram of grams) use(gram, 1);
      }
    });
  }
}

/** Calls `use` for each content word: its stem, its folded form, the stem of the content word before it, its lower-case form. */
function words(
  text: string,
  options: TfidfOptions,
  use: (stem: string, folded: string, previous: string | undefined, lower: string) => void,
): void {
  let previous: string | undefined;
  for (const word of tokenise(text)) {
    const lower = word.toLowerCase();
    const folded = foldGerman(lower);
    if (folded.length < 2 || isStopword(folded)) {
      previous = undefined;
      continue;
    }
    const stem = snowballGermanStem(lower, { transliterate: options.transliterate });
    use(stem, folded, previous, lower);
    previous = stem;
  }
}

function ngrams(folded: string, range: { min: number; max: number }, prefix: string, into: string[]): void {
  const padded = ` ${folded} `;
  for (let n = range.min; n <= range.max; n++) {
    for (let i = 0; i + n <= padded.length; i++) into.push(`${prefix}${padded.slice(i, i + n)}`);
  }
}

/** The block a feature belongs to, by its prefix: 0 words, 1 bigrams, 2 letter n-grams, 3 title. */
function blockOf(feature: string): number {
  switch (feature.slice(0, feature.indexOf(':'))) {
    case 'w':
      return 0;
    case 'b':
      return 1;
    case 'c':
      return 2;
    default: // 't', 'tc'
      return 3;
  }
}

function blockWeights(options: TfidfOptions): number[] {
  return [1, options.bigramWeight, options.charWeight, options.titleWeight];
}

const BLOCKS = 4;

/** Shortest part a compound is cut into: shorter words ("amt", "see") hit by chance inside others. */
const MIN_PART = 4;
/** Only words this long are tried as compounds. */
const MIN_COMPOUND = 2 * MIN_PART;
/** Linking letters between the parts of a German compound ("Hund-e-steuer", "Verwaltung-s-gebühr"). */
const LINKS = ['', 's', 'es', 'n', 'en', 'e'];

/**
 * Cuts compounds into words of a lexicon: the cut into the fewest parts (at least two), each part a
 * lexicon word of at least MIN_PART letters, optionally followed by a linking "s", "es", "n", "en" or
 * "e"; among equally few parts, the one whose last part (the head of the compound) is longest.
 */
export class CompoundSplitter {
  private readonly lexicon: ReadonlySet<string>;
  private readonly memo = new Map<string, readonly string[]>();

  constructor(lexicon: Iterable<string>) {
    this.lexicon = new Set(lexicon);
  }

  /** The parts of `word` (lower-case), or none if it is no compound of lexicon words. */
  split(word: string): readonly string[] {
    let parts = this.memo.get(word);
    if (!parts) {
      parts = word.length >= MIN_COMPOUND ? this.cut(word) : [];
      this.memo.set(word, parts);
    }
    return parts;
  }

  private cut(word: string): string[] {
    const n = word.length;
    // best[i]: fewest parts covering word[0, i), with where the last of them starts.
    const best: Array<{ parts: number; from: number; end: number } | undefined> = new Array(n + 1);
    best[0] = { parts: 0, from: 0, end: 0 };
    for (let i = MIN_PART; i <= n; i++) {
      for (let j = 0; j + MIN_PART <= i; j++) {
        const before = best[j];
        if (!before || (j === 0 && i === n)) continue;
        for (const link of LINKS) {
          // The linking letters follow the part, and never end the word.
          if (link && (i === n || !word.startsWith(link, i - link.length))) continue;
          const end = i - link.length;
          if (end - j < MIN_PART || !this.lexicon.has(word.slice(j, end))) continue;
          const candidate = { parts: before.parts + 1, from: j, end };
          const current = best[i];
          if (!current || candidate.parts < current.parts || (candidate.parts === current.parts && candidate.end - candidate.from > current.end - current.from)) {
            best[i] = candidate;
          }
        }
      }
    }
    const last = best[n];
    if (!last || last.parts < 2) return [];
    const parts: string[] = [];
    for (let at = n; at > 0; ) {
      const step = best[at]!;
      parts.unshift(word.slice(step.from, step.end));
      at = step.from;
    }
    return parts;
  }
}

/**
 * The lexicon of compound parts: lower-case content words of at least MIN_PART letters that occur on
 * their own in at least two training texts.
 */
function buildLexicon(texts: readonly string[], options: TfidfOptions): string[] {
  const df = new Map<string, number>();
  for (const text of texts) {
    const seen = new Set<string>();
    words(text, options, (_stem, _folded, _previous, lower) => {
      if (lower.length >= MIN_PART) seen.add(lower);
    });
    for (const word of seen) df.set(word, (df.get(word) ?? 0) + 1);
  }
  return [...df].filter(([, count]) => count >= 2).map(([word]) => word).sort();
}

export class TfidfVectoriser {
  private readonly index: Map<string, number>;
  private readonly splitter: CompoundSplitter | undefined;

  constructor(readonly state: TfidfState) {
    this.index = new Map(state.vocabulary.map((feature, i) => [feature, i]));
    this.splitter = state.options.compoundParts ? new CompoundSplitter(state.lexicon) : undefined;
  }

  get size(): number {
    return this.state.vocabulary.length;
  }

  /**
   * Learns vocabulary and idf from training texts. Features in fewer than `minDf` texts are dropped;
   * beyond `maxFeatures` those in the fewest texts go (ties broken by the feature, so the result does
   * not depend on the order of the texts).
   */
  static fit(texts: readonly string[], partial: Partial<TfidfOptions> = {}): TfidfVectoriser {
    const options: TfidfOptions = { ...DEFAULT_TFIDF_OPTIONS, ...partial };
    const lexicon = options.compoundParts ? buildLexicon(texts, options) : [];
    const splitter = options.compoundParts ? new CompoundSplitter(lexicon) : undefined;
    const df = new Map<string, number>();
    for (const text of texts) {
      for (const feature of weighFeatures(text, options, splitter).keys()) df.set(feature, (df.get(feature) ?? 0) + 1);
    }
    const kept = [...df]
      .filter(([, count]) => count >= options.minDf)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, options.maxFeatures)
      .map(([feature]) => feature)
      .sort();
    const n = texts.length;
    const idf = kept.map((feature) => Math.log((1 + n) / (1 + df.get(feature)!)) + 1);
    return new TfidfVectoriser({ options, vocabulary: kept, idf, lexicon });
  }

  /** The text as a unit-length TF-IDF vector over the vocabulary (all zero if it has no known feature). */
  transform(text: string): SparseVector {
    const { options, idf } = this.state;
    const entries: Array<[at: number, value: number, block: number]> = [];
    const blockNorms = new Float64Array(BLOCKS);
    for (const [feature, tf] of weighFeatures(text, options, this.splitter)) {
      const at = this.index.get(feature);
      if (at === undefined) continue;
      // Decayed weights can be below 1, where 1 + ln(tf) would turn negative.
      const value = (options.sublinearTf ? (options.positionDecay ? Math.log1p(tf) : 1 + Math.log(tf)) : tf) * idf[at]!;
      const block = blockOf(feature);
      entries.push([at, value, block]);
      blockNorms[block]! += value * value;
    }
    const weights = blockWeights(options);
    const scales = Array.from(blockNorms, (sum, block) => (sum > 0 ? weights[block]! / Math.sqrt(sum) : 0));
    entries.sort((a, b) => a[0] - b[0]);
    const values = entries.map(([, value, block]) => value * scales[block]!);
    const norm = Math.sqrt(values.reduce((sum, value) => sum + value * value, 0));
    return {
      indices: Int32Array.from(entries, ([at]) => at),
      values: Float64Array.from(values, (value) => (norm > 0 ? value / norm : 0)),
    };
  }
}
