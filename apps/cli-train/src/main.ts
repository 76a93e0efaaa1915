import {
  ClassifierModel,
  type LabelledExample,
  type TfidfOptions,
  type SoftmaxTrainingOptions,
  classificationReport,
  groupSplit,
  readLabelledExamples,
  trainClassifier,
} from '@app/ai';
import { PermanentError } from '@app/contracts';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

/**
 * train <route> --data <examples.jsonl> [options]
 *
 * Trains the text classifier of a route from labelled examples and writes its model file
 * (default var/models/<route>.classifier.json). With --evaluate it first reports how well the settings
 * do on a held-out part (split by group, so near-duplicates never straddle it), then trains the model it
 * writes on all examples.
 */
const USAGE = `Usage: npm run train -- <route> --data <examples.jsonl> [options]

  <route>                   route id (lower-case letters, digits, "-"); names the model file
  --data <file>             JSONL, one example a line: {"text": "...", "label": "..."} or
                            {"path": "<file relative to the JSONL>", "label": "..."}; the corpus index
                            format (id, label, path, family, source_path, ...) works as is
  --out <file>              model file to write (default var/models/<route>.classifier.json)
  --evaluate                report macro-F1 and per-label F1 on a held-out split first
  --test-share <x>          share held out by --evaluate (default 0.25)
  --salt <s>                another deterministic split for --evaluate
  --char-ngrams <min-max>   letter n-grams inside words, e.g. 3-5 ("none" for none)
  --bigrams                 add pairs of adjacent words
  --compound-parts <on|off> cut compounds into words seen in training
  --title-weight <x>        weight of the first line (title) as a block of its own (default 0)
  --position-decay <n|none> the i-th word counts 1/(1 + i/n): subjects come first (default 50)
  --min-df <n>              keep features in at least n training texts
  --max-features <n>        keep at most n features
  --l2 <x>                  L2 penalty of the logistic regression
  --max-iterations <n>      L-BFGS iterations at most
  --uniform                 every example weighs the same (default: every label weighs the same)
  --help                    this text`;

class UsageError extends Error {}

function parseCommandLine(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      out: { type: 'string' },
      evaluate: { type: 'boolean', default: false },
      'test-share': { type: 'string' },
      salt: { type: 'string' },
      'char-ngrams': { type: 'string' },
      bigrams: { type: 'boolean', default: false },
      'compound-parts': { type: 'string' },
      'title-weight': { type: 'string' },
      'position-decay': { type: 'string' },
      'min-df': { type: 'string' },
      'max-features': { type: 'string' },
      l2: { type: 'string' },
      'max-iterations': { type: 'string' },
      uniform: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return undefined;
  const [route, ...rest] = positionals;
  if (!route || rest.length) throw new UsageError('give exactly one route');
  if (!/^[a-z0-9][a-z0-9-]*$/.test(route)) throw new UsageError(`route "${route}": lower-case letters, digits and "-" only`);
  if (!values.data) throw new UsageError('--data <examples.jsonl> is required');

  const features: Partial<TfidfOptions> = {};
  const model: Partial<SoftmaxTrainingOptions> = {};
  const ngrams = values['char-ngrams'];
  if (ngrams !== undefined) {
    const match = /^(\d+)-(\d+)$/.exec(ngrams);
    if (ngrams === 'none') features.charNgrams = null;
    else if (match && +match[1]! >= 1 && +match[1]! <= +match[2]!) features.charNgrams = { min: +match[1]!, max: +match[2]! };
    else throw new UsageError(`--char-ngrams "${ngrams}": expected <min>-<max>, e.g. 3-5, or none`);
  }
  if (values.bigrams) features.wordBigrams = true;
  if (values['compound-parts'] !== undefined) {
    if (!['on', 'off'].includes(values['compound-parts'])) throw new UsageError('--compound-parts: on or off');
    features.compoundParts = values['compound-parts'] === 'on';
  }
  if (values['title-weight'] !== undefined) features.titleWeight = number('--title-weight', values['title-weight'], 0);
  if (values['min-df'] !== undefined) features.minDf = integer('--min-df', values['min-df']);
  if (values['position-decay'] !== undefined) {
    features.positionDecay = values['position-decay'] === 'none' ? null : number('--position-decay', values['position-decay'], 1);
  }
  if (values['max-features'] !== undefined) features.maxFeatures = integer('--max-features', values['max-features']);
  if (values.l2 !== undefined) model.l2 = number('--l2', values.l2, 0);
  if (values['max-iterations'] !== undefined) model.maxIterations = integer('--max-iterations', values['max-iterations']);
  if (values.uniform) model.classWeight = 'uniform';
  const testShare = values['test-share'] === undefined ? 0.25 : number('--test-share', values['test-share'], 0.01);
  if (testShare >= 1) throw new UsageError('--test-share must be below 1');

  return {
    route,
    data: values.data,
    out: values.out ?? `var/models/${route}.classifier.json`,
    evaluate: values.evaluate,
    split: { testShare, salt: values.salt ?? '' },
    options: { features, model },
  };
}

function number(name: string, value: string, min: number): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min) throw new UsageError(`${name} "${value}": expected a number of at least ${min}`);
  return parsed;
}

function integer(name: string, value: string): number {
  const parsed = number(name, value, 1);
  if (!Number.isInteger(parsed)) throw new UsageError(`${name} "${value}": expected a whole number`);
  return parsed;
}

function evaluate(examples: LabelledExample[], split: { testShare: number; salt: string }, options: Parameters<typeof trainClassifier>[1]): void {
  const { train, test } = groupSplit(examples, split);
  const groups = (indexes: number[]) => new Set(indexes.map((i) => examples[i]!.group)).size;
  console.log(`evaluation: ${train.length} training examples (${groups(train)} groups), ${test.length} held out (${groups(test)} groups)`);
  const model = trainClassifier(
    train.map((i) => examples[i]!),
    options,
  );
  const report = classificationReport(
    test.map((i) => examples[i]!.label),
    test.map((i) => model.predict(examples[i]!.text).label),
    model.labels,
  );
  console.log(`  macro-F1 ${report.macroF1.toFixed(3)}, accuracy ${report.accuracy.toFixed(3)}`);
  for (const [label, scores] of Object.entries(report.perLabel)) {
    console.log(
      `  ${label.padEnd(24)} F1 ${scores.f1.toFixed(3)}  precision ${scores.precision.toFixed(3)}  recall ${scores.recall.toFixed(3)}  (${scores.support})`,
    );
  }
}

function main(argv: string[]): number {
  let command: ReturnType<typeof parseCommandLine>;
  try {
    command = parseCommandLine(argv);
  } catch (error) {
    console.error(`train: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (!command) {
    console.log(USAGE);
    return 0;
  }
  try {
    const examples = readLabelledExamples(command.data);
    console.log(`read ${examples.length} examples from ${command.data}`);
    if (command.evaluate) evaluate(examples, command.split, command.options);
    const started = Date.now();
    const model = trainClassifier(examples, command.options);
    const out = resolve(command.out);
    model.save(out);
    // Read back as the AI worker would: the file must pass its own checks.
    ClassifierModel.load(out);
    const { training } = model;
    console.log(
      `trained ${model.modelName} for route "${command.route}": ${training.exampleCount} examples, ${model.labels.length} labels, ` +
        `${model.featureCount} features, ${training.iterations} iterations${training.converged ? '' : ' (not converged)'}, ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    console.log(`wrote ${out}`);
    return 0;
  } catch (error) {
    if (error instanceof PermanentError) {
      console.error(`train: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

process.exitCode = main(process.argv.slice(2));
