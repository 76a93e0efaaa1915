import type { ClassificationOutput } from '@app/contracts';
import { foldGerman, stemGerman, tokenise } from './german.tokeniser.js';

/**
 * How a keyword may meet a word. German glues words into compounds, and the part that names the topic
 * may stand first ("Bauantrag") or last ("Hundesteuer", "Verwaltungsgebühren"). Text and keyword are
 * both folded (case, umlauts, ß) and the keyword is stemmed, so "Gebühr", "gebuehr" and "Gebühren" meet.
 *
 * - A keyword matches a word that starts with it: "bau" matches "Bauantrag", "Bauordnung", and also "Baum"
 *   (a short keyword is a broad one; write "bauantrag" to mean only that). Weight 1.
 * - A keyword of at least COMPOUND_MIN letters also matches anywhere inside a word, as part of a compound:
 *   "steuer" matches "Hundesteuer", "gebühr" matches "Waaggebührenordnung". Weight INSIDE_WEIGHT.
 * - A shorter keyword matches inside a word only as its last part, the head of the compound: "bau"
 *   matches "Neubau", "rat" matches "Gemeinderat" but not "Beratung", where it would hit by chance.
 *   Weight INSIDE_WEIGHT.
 * - A keyword of several words matches those words in a row, each by the rules above.
 */
export const COMPOUND_MIN = 5;

/** A match inside a compound is a little less sure than one at the start of a word. */
const INSIDE_WEIGHT = 0.75;
/** The opening line is usually the title, which names the subject: its hits count this much extra. */
const TITLE_WEIGHT = 3;

/**
 * Classifies a text by keyword lists per label. Each word adds, per label, the weight of the best match
 * any of the label's keywords makes with it (words of the title line count 1 + TITLE_WEIGHT times).
 * `scores` are the labels' shares of all weighted hits (they sum to 1); the label with the largest share
 * wins, a tie going to the label named first. The confidence is that share damped for thin evidence.
 * Without any hit the answer is `fallbackLabel` with confidence 0.
 */
export function classifyText(text: string, labels: Record<string, string[]>, fallbackLabel: string): ClassificationOutput {
  const names = Object.keys(labels);
  const matcher = new KeywordMatcher(names.map((name) => labels[name]!));
  const words = tokenise(text).map(foldGerman);
  // The text starts with its title line, so the title is its first few words.
  const titleWords = tokenise(text.trimStart().split('\n', 1)[0] ?? '').length;
  const hits = matcher.count(words, (position) => (position < titleWords ? 1 + TITLE_WEIGHT : 1));

  const total = hits.reduce((sum, value) => sum + value, 0);
  const scores: Record<string, number> = {};
  names.forEach((name, label) => (scores[name] = total > 0 ? round(hits[label]! / total) : 0));
  if (total === 0) return { label: fallbackLabel, confidence: 0, scores };

  // Highest share wins; on a tie the label named first in the configuration.
  let best = 0;
  hits.forEach((value, label) => {
    if (value > hits[best]!) best = label;
  });
  const share = hits[best]! / total;
  // A lone hit is weak evidence even when it is the only one: the confidence grows with the evidence.
  const evidence = total / (total + 2);
  return { label: names[best]!, confidence: round(share * evidence), scores };
}

/**
 * Keywords of all labels compiled once per call. Texts repeat their words a lot, so how each distinct
 * word meets the one-word keywords of each label is worked out once and remembered.
 */
class KeywordMatcher {
  /** Distinct folded, stemmed keyword words over all labels. */
  private readonly stems: string[] = [];
  /** Per label, its one-word keywords as indexes into `stems`. */
  private readonly single: number[][];
  /** Per label, its keywords of several words, each word an index into `stems`. */
  private readonly phrases: number[][][];
  private readonly memo = new Map<string, { stems: Float64Array; labels: Float64Array }>();

  constructor(keywordLists: string[][]) {
    const index = new Map<string, number>();
    const compiled = keywordLists.map((list) =>
      list.map((keyword) =>
        tokenise(keyword).map((word) => {
          const stem = stemGerman(foldGerman(word));
          if (!index.has(stem)) index.set(stem, this.stems.push(stem) - 1);
          return index.get(stem)!;
        }),
      ),
    );
    this.single = compiled.map((keywords) => keywords.filter((parts) => parts.length === 1).map(([stem]) => stem!));
    this.phrases = compiled.map((keywords) => keywords.filter((parts) => parts.length > 1));
  }

  /**
   * Weighted hits per label: each word adds its position's weight times the best match any keyword of
   * the label makes there, so a word counts at most once per label.
   */
  count(words: string[], weightAt: (position: number) => number): number[] {
    const matches = words.map((word) => this.matchesOf(word));
    return this.single.map((_, label) => {
      let sum = 0;
      for (let i = 0; i < words.length; i++) {
        let best = matches[i]!.labels[label]!;
        for (const parts of this.phrases[label]!) {
          if (i + parts.length > words.length) continue;
          let weight = 1;
          for (let k = 0; k < parts.length && weight > 0; k++) weight = Math.min(weight, matches[i + k]!.stems[parts[k]!]!);
          best = Math.max(best, weight);
        }
        if (best > 0) sum += best * weightAt(i);
      }
      return sum;
    });
  }

  private matchesOf(word: string): { stems: Float64Array; labels: Float64Array } {
    let matches = this.memo.get(word);
    if (!matches) {
      const stems = new Float64Array(this.stems.length);
      for (let s = 0; s < stems.length; s++) stems[s] = matchWeight(word, this.stems[s]!);
      const labels = Float64Array.from(this.single, (indexes) => indexes.reduce((best, s) => Math.max(best, stems[s]!), 0));
      matches = { stems, labels };
      this.memo.set(word, matches);
    }
    return matches;
  }
}

function matchWeight(word: string, stem: string): number {
  if (word.startsWith(stem)) return 1;
  if (stem.length >= COMPOUND_MIN ? word.includes(stem) : stemGerman(word).endsWith(stem)) return INSIDE_WEIGHT;
  return 0;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
