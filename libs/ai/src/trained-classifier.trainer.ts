import { PermanentError } from '@app/contracts';
import { createHash } from 'node:crypto';
import {
  CLASSIFIER_ALGORITHM,
  CLASSIFIER_MODEL_FORMAT,
  CLASSIFIER_MODEL_VERSION,
  CLASSIFIER_STEMMER,
  ClassifierModel,
  type ClassifierModelFile,
} from './classifier-model.format.js';
import { DEFAULT_SOFTMAX_OPTIONS, type SoftmaxTrainingOptions, trainSoftmax } from './linear.softmax.js';
import { type TfidfOptions, TfidfVectoriser } from './tfidf.vectoriser.js';

export interface TrainingExample {
  text: string;
  label: string;
}

export interface TrainClassifierOptions {
  /** Feature settings; unset ones take RECOMMENDED_FEATURES. */
  features?: Partial<TfidfOptions>;
  /** Model settings; unset ones take RECOMMENDED_MODEL. */
  model?: Partial<SoftmaxTrainingOptions>;
  /** Clock for `training.trainedAt`; tests pass a fixed one. */
  now?: () => Date;
}

/**
 * The settings `trainClassifier` uses unless told otherwise, chosen by grouped cross-validation on the
 * training part of the shared corpus only (252 documents, 4 folds by `family` or source file, three fold
 * assignments; never on its test part). Mean macro-F1 there:
 *
 * - word stems with compound parts, every word counting 1, L2 3e-3 (the settings before): 0.727;
 * - words further into the text counting less (`positionDecay` 50), minDf 2, L2 3e-4: 0.774;
 * - plus letter 3-4-grams (these settings): 0.787. Around them: decay 30 0.783, 100 0.778; letter
 *   3-5-grams 0.781; letter block weight 0.5 0.783, 2 0.782; minDf 1 0.770, 3 0.784; L2 1e-3 0.776,
 *   1.5e-4 0.785; every example weighing the same instead of every label (at L2 1e-4) 0.769.
 *
 * Tried and not better, partly measured with a one-vs-rest linear SVM (squared hinge, which scored the
 * same as this model, 0.788, but gives no probabilities): cutting texts after their first N words
 * instead of the decay (best N = 300), a title block (0.67-0.73), word bigrams (0.69-0.72), chi² feature
 * selection to 1 000-8 000 features (0.66-0.76), no idf (0.74), complement naive Bayes (0.74), nearest
 * centroid (0.75), k nearest neighbours (0.70-0.72), averaging any of these with the SVM (0.74-0.77),
 * down-weighting the members of near-duplicate families (no change).
 *
 * A second search, on other fold assignments of the same training part (these settings there: 0.769), found
 * nothing beyond the noise of about 0.005 per document of a small label: term weighting by square root
 * (0.761), raw counts (0.757), presence only (0.675), BM25 saturation k 0.5/1.5/4 (0.749/0.767/0.768), doubly
 * logarithmic (0.767); idf and vocabulary also from the unlabelled held-out texts (0.764); self-training on
 * them, one or two rounds (0.769-0.771); separate word and letter models averaged (0.768-0.769); the first
 * line's words counted 2/3/5/10 times (0.762/0.776/0.776/0.768, no trend); other decay shapes (0.755-0.764);
 * the non-head parts of compounds doubled (0.770), with the first line tripled (0.777). Most remaining errors
 * follow the corpus's conventions (the subject wins over the instrument) rather than the vocabulary. See
 * trained-classifier.corpus.spec.ts for the held-out result.
 */
export const RECOMMENDED_FEATURES: Partial<TfidfOptions> = {
  compoundParts: true,
  charNgrams: { min: 3, max: 4 },
  minDf: 2,
  positionDecay: 50,
};

export const RECOMMENDED_MODEL: Partial<SoftmaxTrainingOptions> = {
  l2: 3e-4,
  classWeight: 'balanced',
};

/** Weights are stored with this many significant digits; the model in memory uses the same rounded values. */
const WEIGHT_DIGITS = 7;

/**
 * Trains a TF-IDF + softmax-regression classifier on labelled texts. Deterministic: the examples are put
 * into a canonical order first (by a hash of label and text), the optimiser starts from zero and has no
 * random part, so the same examples in any order give the same model (up to `trainedAt`).
 * Bad training data (fewer than two labels, an empty label or text) is a PermanentError.
 */
export function trainClassifier(examples: readonly TrainingExample[], options: TrainClassifierOptions = {}): ClassifierModel {
  checkExamples(examples);
  const ordered = canonicalOrder(examples);
  const labels = [...new Set(ordered.map((example) => example.label))].sort();
  const labelIndex = new Map(labels.map((label, k) => [label, k]));

  const vectoriser = TfidfVectoriser.fit(
    ordered.map((example) => example.text),
    { ...RECOMMENDED_FEATURES, ...options.features },
  );
  const vectors = ordered.map((example) => vectoriser.transform(example.text));
  const targets = ordered.map((example) => labelIndex.get(example.label)!);
  const modelOptions: SoftmaxTrainingOptions = { ...DEFAULT_SOFTMAX_OPTIONS, ...RECOMMENDED_MODEL, ...options.model };
  const result = trainSoftmax(vectors, targets, labels.length, vectoriser.size, modelOptions);

  const dimension = vectoriser.size;
  const labelCounts: Record<string, number> = {};
  for (const label of labels) labelCounts[label] = 0;
  for (const example of ordered) labelCounts[example.label]!++;

  const file: ClassifierModelFile = {
    format: CLASSIFIER_MODEL_FORMAT,
    version: CLASSIFIER_MODEL_VERSION,
    algorithm: CLASSIFIER_ALGORITHM,
    labels,
    features: {
      options: vectoriser.state.options,
      vocabulary: vectoriser.state.vocabulary,
      idf: vectoriser.state.idf.map((value) => significant(value, 10)),
      lexicon: vectoriser.state.lexicon,
    },
    weights: labels.map((_, k) => Array.from(result.weights.subarray(k * dimension, (k + 1) * dimension), (w) => significant(w, WEIGHT_DIGITS))),
    bias: Array.from(result.bias, (b) => significant(b, WEIGHT_DIGITS)),
    training: {
      trainedAt: (options.now ?? (() => new Date()))().toISOString(),
      exampleCount: ordered.length,
      labelCounts,
      corpusHash: corpusHash(ordered),
      stemmer: CLASSIFIER_STEMMER,
      model: modelOptions,
      iterations: result.iterations,
      loss: significant(result.loss, 10),
      converged: result.converged,
    },
  };
  return ClassifierModel.fromFile(file);
}

/**
 * A hash of the training examples that does not depend on their order: SHA-256 over the sorted
 * SHA-256 digests of `label NUL text`.
 */
export function corpusHash(examples: readonly TrainingExample[]): string {
  const digests = examples.map(exampleDigest).sort();
  return `sha256:${createHash('sha256').update(digests.join('\n')).digest('hex')}`;
}

function exampleDigest(example: TrainingExample): string {
  return createHash('sha256').update(`${example.label}\u0000${example.text}`).digest('hex');
}

function canonicalOrder(examples: readonly TrainingExample[]): TrainingExample[] {
  return examples
    .map((example) => ({ example, key: exampleDigest(example) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ example }) => example);
}

function checkExamples(examples: readonly TrainingExample[]): void {
  const invalid = (problem: string) => new PermanentError(`training data: ${problem}`, 'invalid-training-data');
  examples.forEach((example, i) => {
    if (typeof example?.label !== 'string' || !example.label.trim()) throw invalid(`example ${i + 1} has no label`);
    if (typeof example.text !== 'string' || !example.text.trim()) throw invalid(`example ${i + 1} (${example.label}) has no text`);
  });
  const labels = new Set(examples.map((example) => example.label));
  if (labels.size < 2) throw invalid(`needs examples of at least two labels, got ${labels.size} (${examples.length} examples)`);
}

function significant(value: number, digits: number): number {
  return value === 0 ? 0 : Number(value.toPrecision(digits));
}
