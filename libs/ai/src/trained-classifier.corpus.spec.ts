import { beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ClassifierModel } from './classifier-model.format.js';
import { type ClassificationReport, classificationReport, groupSplit } from './trained-classifier.evaluation.js';
import { type LabelledExample, readLabelledExamples } from './trained-classifier.examples.js';
import { trainClassifier } from './trained-classifier.trainer.js';

/**
 * The trained classifier on the shared evaluation corpus (339 documents, 9 domains; see its
 * MANIFEST.md), beside the checkout. Train and test are split by group: near-duplicate model
 * ordinances (`family`) and the chunks or annexes of one source file never sit on both sides.
 *
 * Measured with the recommended settings, chosen by grouped cross-validation on the training part alone
 * (test part: 87 documents in 61 groups, trained on 252): macro-F1 0.779, accuracy 0.770. Per label:
 * bauen 0.762, finanzen 0.750, ordnung 0.815, schule_kultur 0.842, soziales 0.889,
 * standesamt_meldewesen 0.778, umwelt 0.643, verkehr 0.909, verwaltung 0.625 (the settings before
 * reached 0.729). The goal of 0.85 is not reached. Most of the 20 errors follow the corpus's labelling
 * conventions rather than the vocabulary: the subject wins over the instrument (an archive's fee
 * ordinance is schule_kultur), Betriebssatzungen of municipal utilities are umwelt or verwaltung by the
 * utility, the federal statutes of other domains look like the standesamt_meldewesen statutes (all
 * federal), and one federal ordinance on soldiers' job reservation (StVorV) is labelled verkehr.
 */
const CORPUS = resolve(process.cwd(), '../shared/corpus');

describe('trained classifier on the German corpus', () => {
  let examples: LabelledExample[];
  let split: { train: number[]; test: number[] };
  let model: ClassifierModel;
  let report: ClassificationReport;

  beforeAll(() => {
    const index = resolve(CORPUS, 'index.jsonl');
    if (!existsSync(index)) throw new Error(`evaluation corpus not found at ${CORPUS} (expected index.jsonl there)`);
    examples = readLabelledExamples(index);
    split = groupSplit(examples);
    const started = Date.now();
    model = trainClassifier(split.train.map((i) => examples[i]!));
    const seconds = (Date.now() - started) / 1000;
    report = classificationReport(
      split.test.map((i) => examples[i]!.label),
      split.test.map((i) => model.predict(examples[i]!.text).label),
      model.labels,
    );
    const lines = Object.entries(report.perLabel).map(
      ([label, scores]) => `  ${label.padEnd(22)} F1 ${scores.f1.toFixed(3)}  P ${scores.precision.toFixed(3)}  R ${scores.recall.toFixed(3)}  n=${scores.support}`,
    );
    console.log(
      [
        `trained classifier, held-out test: ${split.test.length} documents (trained on ${split.train.length} in ${seconds.toFixed(1)} s), ` +
          `${model.featureCount} features, model file ${(JSON.stringify(model.toJSON()).length / 1e6).toFixed(1)} MB`,
        `  macro-F1 ${report.macroF1.toFixed(3)}  accuracy ${report.accuracy.toFixed(3)}`,
        ...lines,
      ].join('\n'),
    );
  }, 180_000);

  it('splits by group, about 75/25, with every label on both sides', () => {
    const testGroups = new Set(split.test.map((i) => examples[i]!.group));
    expect(split.train.filter((i) => testGroups.has(examples[i]!.group))).toEqual([]);
    expect(split.test.length / examples.length).toBeGreaterThan(0.2);
    expect(split.test.length / examples.length).toBeLessThan(0.3);
    const labels = new Set(examples.map((example) => example.label));
    for (const side of [split.train, split.test]) expect(new Set(side.map((i) => examples[i]!.label))).toEqual(labels);
  });

  it('keeps the chunks of one law and the near-duplicates of one family together', () => {
    const groupOf = (id: string) => examples.find((example) => example.id === id)!.group;
    expect(groupOf('bgg-pstg-teil01')).toBe(groupOf('bgg-pstg-teil06'));
    const hundesteuer = examples.filter((example) => example.group === 'family:hundesteuer');
    expect(hundesteuer.length).toBeGreaterThan(1);
  });

  it('does far better than chance and holds the measured level (macro-F1 0.779; floor 0.75)', () => {
    expect(report.macroF1).toBeGreaterThanOrEqual(0.75);
    expect(report.accuracy).toBeGreaterThanOrEqual(0.75);
    for (const scores of Object.values(report.perLabel)) expect(scores.f1).toBeGreaterThan(0.55);
  });

  // The goal of the issue, not reached yet: this test is expected to fail and turns red once the goal is
  // met, so that it can become a plain test then.
  it.failing('reaches the goal: macro-F1 at least 0.85 on the held-out split', () => {
    expect(report.macroF1).toBeGreaterThanOrEqual(0.85);
  });

  it('answers the same after a round trip through its model file', () => {
    const reloaded = ClassifierModel.parse(JSON.stringify(model.toJSON()));
    for (const i of split.test.slice(0, 20)) expect(reloaded.predict(examples[i]!.text)).toEqual(model.predict(examples[i]!.text));
  });
});
