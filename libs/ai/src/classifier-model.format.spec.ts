import { PermanentError } from '@app/contracts';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLASSIFIER_MODEL_FORMAT, ClassifierModel, type ClassifierModelFile } from './classifier-model.format.js';
import { EXAMPLES } from './trained-classifier.fixture.js';
import { trainClassifier } from './trained-classifier.trainer.js';

describe('ClassifierModel file', () => {
  let directory: string;
  let model: ClassifierModel;
  let file: ClassifierModelFile;
  const probes = ['Die Steuer ist fällig.', 'Der Bauantrag ist genehmigt.', 'Abfall und Müll', 'nichts Bekanntes'];

  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'classifier-model-'));
    model = trainClassifier(EXAMPLES, { features: { minDf: 1, charNgrams: { min: 3, max: 4 }, compoundParts: true, positionDecay: 20 } });
    file = model.toJSON() as ClassifierModelFile;
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  /** A deep copy of the model file with one change. */
  const changed = (change: (copy: Record<string, any>) => void): unknown => {
    const copy = JSON.parse(JSON.stringify(file)) as Record<string, any>;
    change(copy);
    return copy;
  };

  it('is versioned and holds vocabulary, idf, weights, labels and training metadata', () => {
    expect(file).toMatchObject({ format: CLASSIFIER_MODEL_FORMAT, version: 2, algorithm: 'tfidf-softmax-regression' });
    expect(file.features.options.positionDecay).toBe(20);
    expect(file.weights).toHaveLength(file.labels.length);
    expect(file.weights[0]).toHaveLength(file.features.vocabulary.length);
    expect(file.features.idf).toHaveLength(file.features.vocabulary.length);
    expect(Object.keys(file.training)).toEqual(
      expect.arrayContaining(['trainedAt', 'exampleCount', 'corpusHash', 'labelCounts', 'model', 'iterations', 'loss']),
    );
  });

  it('saves and loads to the same predictions', () => {
    const path = join(directory, 'models', 'texte.classifier.json');
    model.save(path);
    const loaded = ClassifierModel.load(path);
    expect(loaded.toJSON()).toEqual(file);
    for (const probe of probes) expect(loaded.predict(probe)).toEqual(model.predict(probe));
  });

  it('parses from JSON text', () => {
    expect(ClassifierModel.parse(JSON.stringify(file)).predict(probes[0]!)).toEqual(model.predict(probes[0]!));
  });

  const refusals: Array<[string, () => unknown, RegExp]> = [
    ['a missing file', () => ClassifierModel.load(join(tmpdir(), 'no-such-dir-4711', 'm.json')), /cannot be read: no such file/],
    ['text that is not JSON', () => ClassifierModel.parse('{"format": '), /not JSON/],
    ['a JSON array', () => ClassifierModel.fromJSON([]), /expected a JSON object/],
    ['another format', () => ClassifierModel.fromJSON(changed((copy) => (copy['format'] = 'other'))), /"format" is "other"/],
    ['a newer version', () => ClassifierModel.fromJSON(changed((copy) => (copy['version'] = 3))), /"version" is 3; this software reads versions 1 and 2/],
    ['a version 2 file without positionDecay', () => ClassifierModel.fromJSON(changed((copy) => delete copy['features']['options']['positionDecay'])), /features\.options\.positionDecay/],
    ['a version 1 file with positionDecay', () => ClassifierModel.fromJSON(changed((copy) => (copy['version'] = 1))), /features\.options.*positionDecay/],
    ['a position decay of 0', () => ClassifierModel.fromJSON(changed((copy) => (copy['features']['options']['positionDecay'] = 0))), /features\.options\.positionDecay/],
    ['a missing part', () => ClassifierModel.fromJSON(changed((copy) => delete copy['bias'])), /bias/],
    ['a wrong type', () => ClassifierModel.fromJSON(changed((copy) => (copy['labels'] = 'bauen'))), /labels/],
    ['an unknown key', () => ClassifierModel.fromJSON(changed((copy) => (copy['extra'] = 1))), /extra/],
    ['a weight that is not a number', () => ClassifierModel.fromJSON(changed((copy) => (copy['weights'][0][0] = 'x'))), /weights\.0\.0/],
    ['weights for too few labels', () => ClassifierModel.fromJSON(changed((copy) => copy['weights'].pop())), /weights has 2 rows for 3 labels/],
    ['a short weight row', () => ClassifierModel.fromJSON(changed((copy) => copy['weights'][1].pop())), /weights\[1\] has \d+ entries for \d+ vocabulary entries/],
    ['idf of the wrong length', () => ClassifierModel.fromJSON(changed((copy) => copy['features']['idf'].pop())), /features\.idf has \d+ entries/],
    ['a label twice', () => ClassifierModel.fromJSON(changed((copy) => (copy['labels'][1] = copy['labels'][0]))), /a label occurs twice/],
    ['a bad corpus hash', () => ClassifierModel.fromJSON(changed((copy) => (copy['training']['corpusHash'] = 'md5:1'))), /training\.corpusHash/],
    ['a bad n-gram range', () => ClassifierModel.fromJSON(changed((copy) => (copy['features']['options']['charNgrams'] = { min: 5, max: 3 }))), /min is larger than max/],
  ];

  it.each(refusals)('refuses %s with a PermanentError that says what is wrong', (_, load, message) => {
    let error: unknown;
    try {
      load();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).code).toBe('invalid-model');
    expect((error as Error).message).toMatch(message);
  });

  it('reads a version 1 file (written before positionDecay existed) and predicts as that model did', () => {
    // A model whose words all count 1, written the way version 1 wrote it.
    const current = trainClassifier(EXAMPLES, { features: { minDf: 1, compoundParts: true, positionDecay: null } });
    const v1 = JSON.parse(JSON.stringify(current.toJSON())) as Record<string, any>;
    v1['version'] = 1;
    delete v1['features']['options']['positionDecay'];
    const path = join(directory, 'version-1.classifier.json');
    writeFileSync(path, JSON.stringify(v1));

    const loaded = ClassifierModel.load(path);
    expect(loaded.version).toBe(1);
    expect(loaded.toJSON()).toEqual(v1);
    expect(loaded.modelName).toMatch(/^tfidf-softmax-regression\/1\+[0-9a-f]{12}$/);
    for (const probe of probes) expect(loaded.predict(probe)).toEqual(current.predict(probe));
  });

  it('names the file in the message', () => {
    const path = join(directory, 'broken.json');
    writeFileSync(path, JSON.stringify(changed((copy) => (copy['version'] = 9))));
    expect(() => ClassifierModel.load(path)).toThrow(`classifier model ${path} is not a usable classifier model`);
    expect(readFileSync(path, 'utf8')).toContain('"version":9');
  });
});
