import { type ClassificationOutput, PermanentError } from '@app/contracts';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { type SoftmaxParameters, logits, softmaxInPlace } from './linear.softmax.js';
import { TfidfVectoriser } from './tfidf.vectoriser.js';

/**
 * A trained text classifier and its file. The file is JSON, versioned by `format` and `version`, and
 * holds everything prediction needs (feature options, vocabulary, idf, weights, labels) and where the
 * model came from (`training`: when, on how many examples, a hash of the examples, the settings).
 * A file that does not hold together is refused with a PermanentError (code `invalid-model`) that says
 * what is wrong: retrying cannot mend a bad model file.
 *
 * Versions: 1 had no `features.options.positionDecay` (every word counted the same); 2 adds it. Files of
 * version 1 are still read, as version 2 files with `positionDecay: null`, and predict as before; the
 * trainer writes version 2.
 */
export const CLASSIFIER_MODEL_FORMAT = 'schnittstelle/text-classifier';
export const CLASSIFIER_MODEL_VERSION = 2;
/** Versions this software reads. */
const READABLE_VERSIONS: readonly number[] = [1, 2];
export const CLASSIFIER_ALGORITHM = 'tfidf-softmax-regression';
/** Written into `training.stemmer`: the features depend on it. */
export const CLASSIFIER_STEMMER = 'snowball-german/classic';

const featureOptionsV1Schema = z.strictObject({
  wordUnigrams: z.boolean(),
  wordBigrams: z.boolean(),
  charNgrams: z.strictObject({ min: z.int().min(1), max: z.int().min(1) }).nullable(),
  transliterate: z.boolean(),
  bigramWeight: z.number().min(0),
  charWeight: z.number().min(0),
  titleWeight: z.number().min(0),
  titleCharNgrams: z.strictObject({ min: z.int().min(1), max: z.int().min(1) }).nullable(),
  minDf: z.int().min(1),
  maxFeatures: z.int().min(1),
  sublinearTf: z.boolean(),
  compoundParts: z.boolean(),
});

const featureOptionsSchema = featureOptionsV1Schema.extend({
  positionDecay: z.number().positive().nullable(),
});

const trainingSchema = z.strictObject({
  trainedAt: z.iso.datetime(),
  exampleCount: z.int().min(1),
  labelCounts: z.record(z.string(), z.int().min(0)),
  corpusHash: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be "sha256:" and 64 hex digits'),
  stemmer: z.string(),
  model: z.strictObject({
    l2: z.number().min(0),
    maxIterations: z.int().min(1),
    tolerance: z.number().min(0),
    classWeight: z.enum(['balanced', 'uniform']),
    memory: z.int().min(1),
  }),
  iterations: z.int().min(0),
  loss: z.number(),
  converged: z.boolean(),
});

const fileSchema = z.strictObject({
  format: z.literal(CLASSIFIER_MODEL_FORMAT),
  version: z.literal(CLASSIFIER_MODEL_VERSION),
  algorithm: z.literal(CLASSIFIER_ALGORITHM),
  labels: z.array(z.string().min(1)).min(2),
  features: z.strictObject({
    options: featureOptionsSchema,
    vocabulary: z.array(z.string()),
    idf: z.array(z.number()),
    lexicon: z.array(z.string()),
  }),
  weights: z.array(z.array(z.number())),
  bias: z.array(z.number()),
  training: trainingSchema,
});

const fileV1Schema = fileSchema.extend({
  version: z.literal(1),
  features: fileSchema.shape.features.extend({ options: featureOptionsV1Schema }),
});

/** A model file as the trainer writes it (the current version). */
export type ClassifierModelFile = z.infer<typeof fileSchema>;
/** A model file of version 1. */
export type ClassifierModelFileV1 = z.infer<typeof fileV1Schema>;
export type ClassifierTrainingInfo = ClassifierModelFile['training'];

export class ClassifierModel {
  readonly labels: readonly string[];
  readonly training: ClassifierTrainingInfo;
  private readonly vectoriser: TfidfVectoriser;
  private readonly parameters: SoftmaxParameters;

  private constructor(private readonly file: ClassifierModelFile | ClassifierModelFileV1) {
    this.labels = file.labels;
    this.training = file.training;
    // A version 1 file counted every word the same: that is `positionDecay: null`.
    this.vectoriser = new TfidfVectoriser({ ...file.features, options: { positionDecay: null, ...file.features.options } });
    const dimension = file.features.vocabulary.length;
    const weights = new Float64Array(file.labels.length * dimension);
    file.weights.forEach((row, k) => weights.set(row, k * dimension));
    this.parameters = { classes: file.labels.length, dimension, weights, bias: Float64Array.from(file.bias) };
  }

  /** Checks a parsed model file and builds the model. `source` names the file in error messages. */
  static fromJSON(value: unknown, source = 'classifier model'): ClassifierModel {
    const invalid = (problem: string) =>
      new PermanentError(`${source} is not a usable classifier model: ${problem}`, 'invalid-model');
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('expected a JSON object');
    const header = value as Record<string, unknown>;
    if (header['format'] !== CLASSIFIER_MODEL_FORMAT) {
      throw invalid(`"format" is ${JSON.stringify(header['format'])}, expected "${CLASSIFIER_MODEL_FORMAT}"`);
    }
    if (!READABLE_VERSIONS.includes(header['version'] as number)) {
      throw invalid(`"version" is ${JSON.stringify(header['version'])}; this software reads versions ${READABLE_VERSIONS.join(' and ')}`);
    }
    const parsed = (header['version'] === 1 ? fileV1Schema : fileSchema).safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const where = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
      throw invalid(`${where}: ${issue.message}`);
    }
    const problem = inconsistency(parsed.data);
    if (problem) throw invalid(problem);
    return new ClassifierModel(parsed.data);
  }

  /** Parses and checks the text of a model file. */
  static parse(json: string, source = 'classifier model'): ClassifierModel {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (error) {
      throw new PermanentError(`${source} is not a usable classifier model: not JSON (${(error as Error).message})`, 'invalid-model', {
        cause: error,
      });
    }
    return ClassifierModel.fromJSON(value, source);
  }

  /** Reads and checks a model file. */
  static load(path: string): ClassifierModel {
    let json: string;
    try {
      json = readFileSync(path, 'utf8');
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
      throw new PermanentError(`classifier model ${path} cannot be read: ${reason}`, 'invalid-model', { cause: error });
    }
    return ClassifierModel.parse(json, `classifier model ${path}`);
  }

  /** Built by the trainer from a file object it made itself; still checked. */
  static fromFile(file: ClassifierModelFile): ClassifierModel {
    return ClassifierModel.fromJSON(file, 'trained classifier model');
  }

  /** The file as read or trained (a version 1 file stays version 1). */
  toJSON(): ClassifierModelFile | ClassifierModelFileV1 {
    return this.file;
  }

  /** The format version of the file. */
  get version(): number {
    return this.file.version;
  }

  /** Writes the model file (folders made as needed; written aside first, then renamed into place). */
  save(path: string): void {
    mkdirSync(dirname(path), { recursive: true });
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(this.file)}\n`);
    renameSync(temporary, path);
  }

  /** A short name for the AI label: algorithm, format version and the start of the training-data hash. */
  get modelName(): string {
    return `${CLASSIFIER_ALGORITHM}/${this.file.version}+${this.training.corpusHash.slice('sha256:'.length, 'sha256:'.length + 12)}`;
  }

  /** Number of features the model knows. */
  get featureCount(): number {
    return this.parameters.dimension;
  }

  /**
   * The most probable label, its probability as confidence, and every label's probability (rounded to
   * 3 decimals). A text without a single known feature still gets the label the model leans to without
   * evidence, but with confidence 0.
   */
  predict(text: string): ClassificationOutput {
    const vector = this.vectoriser.transform(text);
    const probabilities = softmaxInPlace(logits(this.parameters, vector));
    let best = 0;
    for (let k = 1; k < probabilities.length; k++) if (probabilities[k]! > probabilities[best]!) best = k;
    const scores: Record<string, number> = {};
    this.labels.forEach((label, k) => (scores[label] = round(probabilities[k]!)));
    return { label: this.labels[best]!, confidence: vector.indices.length ? round(probabilities[best]!) : 0, scores };
  }
}

/** What the schema cannot see: sizes that must agree, duplicates, idf and n-gram bounds. */
function inconsistency(file: ClassifierModelFile | ClassifierModelFileV1): string | undefined {
  const { labels, features, weights, bias } = file;
  const dimension = features.vocabulary.length;
  if (new Set(labels).size !== labels.length) return 'labels: a label occurs twice';
  if (new Set(features.vocabulary).size !== dimension) return 'features.vocabulary: a feature occurs twice';
  if (features.idf.length !== dimension) {
    return `features.idf has ${features.idf.length} entries for ${dimension} vocabulary entries`;
  }
  if (features.idf.some((value) => value <= 0)) return 'features.idf: every idf must be positive';
  for (const key of ['charNgrams', 'titleCharNgrams'] as const) {
    const range = features.options[key];
    if (range && range.min > range.max) return `features.options.${key}: min is larger than max`;
  }
  if (weights.length !== labels.length) return `weights has ${weights.length} rows for ${labels.length} labels`;
  const badRow = weights.findIndex((row) => row.length !== dimension);
  if (badRow >= 0) return `weights[${badRow}] has ${weights[badRow]!.length} entries for ${dimension} vocabulary entries`;
  if (bias.length !== labels.length) return `bias has ${bias.length} entries for ${labels.length} labels`;
  return undefined;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
