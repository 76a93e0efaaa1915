import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { DigitalSourceType, PermanentError, stepConfigSchema, type StepConfig } from '@app/contracts';
import { EMBEDDED_MODELS, EmbeddedProvider } from './embedded.provider.js';
import { trainClassifier } from './trained-classifier.trainer.js';

const TEXT =
  'Satzung über die Erhebung der Hundesteuer\n\n' +
  'Die Gemeinde erhebt eine Hundesteuer für jeden Hund im Gemeindegebiet. Das Rathaus ist am Montag geschlossen. ' +
  'Die Hundesteuer für einen Hund beträgt jährlich 120 Euro. Im Sommer findet ein Dorffest statt. ' +
  'Wer einen Hund hält, muss die Hundesteuer bis zum 1. März anmelden.';

const step = (config: unknown): StepConfig => stepConfigSchema.parse(config);
const fixedClock = () => new Date('2026-05-04T10:00:00.000Z');

describe('EmbeddedProvider', () => {
  const provider = new EmbeddedProvider({ now: fixedClock });

  it('declares its name and tasks', () => {
    expect(provider.name).toBe('embedded');
    expect([...provider.tasks].sort()).toEqual(['classify', 'detect-language', 'summarise']);
  });

  it('detects the language', async () => {
    const result = await provider.run(step({ id: 'sprache', task: 'detect-language' }), TEXT);
    expect(result).toMatchObject({ step: 'sprache', task: 'detect-language', output: { language: 'deu' } });
    expect(result.label).toEqual({
      aiGenerated: true,
      digitalSourceType: DigitalSourceType.algorithmicMedia,
      provider: 'embedded',
      model: 'franc-min/6',
      generatedAt: '2026-05-04T10:00:00.000Z',
      reviewState: 'unreviewed',
    });
  });

  it('summarises with the configured number of sentences', async () => {
    const result = await provider.run(step({ id: 'kurz', task: 'summarise', sentences: 2 }), TEXT);
    expect(result.task).toBe('summarise');
    expect(result.label.model).toBe(EMBEDDED_MODELS.summarise);
    const output = result.output as { sentences: string[]; sentenceIndexes: number[] };
    expect(output.sentences).toHaveLength(2);
    for (const sentence of output.sentences) expect(sentence).toMatch(/Hundesteuer/);
  });

  it('classifies with the configured labels and fallback', async () => {
    const labels = { finanzen: ['steuer', 'gebühr'], bauen: ['bauantrag'] };
    const result = await provider.run(step({ id: 'thema', task: 'classify', labels }), TEXT);
    expect(result.output).toMatchObject({ label: 'finanzen' });
    expect(result.label.model).toBe('embedded-keywords/1');

    const fallback = await provider.run(step({ id: 'thema', task: 'classify', labels: { a: ['xylophon'], b: ['zither'] }, fallbackLabel: 'rest' }), TEXT);
    expect(fallback.output).toMatchObject({ label: 'rest', confidence: 0 });
  });

  it('stamps the time of generation', async () => {
    const result = await new EmbeddedProvider().run(step({ id: 'sprache', task: 'detect-language' }), TEXT);
    expect(Number.isNaN(Date.parse(result.label.generatedAt))).toBe(false);
    expect(result.label.generatedAt).toBe(new Date(result.label.generatedAt).toISOString());
  });

  it.each([[''], ['   \n\t ']])('refuses empty text %j with a permanent "empty-text" error', async (text) => {
    const run = provider.run(step({ id: 'kurz', task: 'summarise' }), text);
    await expect(run).rejects.toBeInstanceOf(PermanentError);
    await expect(provider.run(step({ id: 'kurz', task: 'summarise' }), text)).rejects.toMatchObject({ code: 'empty-text' });
  });

  it('refuses a summary step built by hand with a bad sentence count', async () => {
    const bad = { id: 'kurz', provider: 'embedded', task: 'summarise', sentences: 0 } as StepConfig;
    await expect(provider.run(bad, TEXT)).rejects.toMatchObject({ code: 'invalid-step' });
  });

  it('refuses a task it does not know', async () => {
    const bad = { id: 'x', provider: 'embedded', task: 'translate' } as unknown as StepConfig;
    await expect(provider.run(bad, TEXT)).rejects.toMatchObject({ code: 'unsupported-task' });
  });

  describe('classify with a trained model file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-embedded-model-'));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'thema.json');
    const train = (labels: [string, string]) =>
      trainClassifier(
        [
          { text: 'Die Hundesteuer wird jährlich festgesetzt, Steuer und Abgabe.', label: labels[0] },
          { text: 'Die Gebühr und die Steuer sind zum Quartal fällig.', label: labels[0] },
          { text: 'Der Bebauungsplan regelt die Baugenehmigung für das Gebäude.', label: labels[1] },
          { text: 'Die Sanierung des Gebäudes braucht eine Baugenehmigung.', label: labels[1] },
        ],
        { features: { minDf: 1 } },
      ).save(file);

    it('uses the model instead of keywords, labelled as trained-model output', async () => {
      train(['finanzen', 'bauen']);
      const result = await provider.run(step({ id: 'thema', task: 'classify', model: file }), TEXT);
      expect(result.output).toMatchObject({ label: 'finanzen' });
      expect(result.label).toMatchObject({ provider: 'embedded', digitalSourceType: DigitalSourceType.trainedAlgorithmicMedia, model: expect.stringMatching(/^tfidf-softmax-regression\//) });
    });

    it('picks up a retrained model file without a restart', async () => {
      train(['steuern', 'bauen']);
      fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
      const result = await provider.run(step({ id: 'thema', task: 'classify', model: file }), TEXT);
      expect(result.output).toMatchObject({ label: 'steuern' });
    });

    it('fails for good, saying how to build it, when the model file is missing', async () => {
      const missing = path.join(dir, 'fehlt.json');
      await expect(provider.run(step({ id: 'thema', task: 'classify', model: missing }), TEXT)).rejects.toThrow(PermanentError);
      await expect(provider.run(step({ id: 'thema', task: 'classify', model: missing }), TEXT)).rejects.toThrow(/npm run train/);
    });
  });
});
