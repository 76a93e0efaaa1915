import { describe, expect, it } from '@jest/globals';
import { DigitalSourceType, type AiLabel, type StepResult } from '@app/contracts';
import { combinedLabel } from './writeback.service.js';

function result(step: string, label: Partial<AiLabel>): StepResult {
  return {
    step,
    task: 'summarise',
    output: { summary: 's', sentences: ['s'], sentenceIndexes: [0] },
    label: { aiGenerated: true, digitalSourceType: DigitalSourceType.algorithmicMedia, provider: 'embedded', model: 'm1', generatedAt: '2026-01-01T00:00:00.000Z', reviewState: 'unreviewed', ...label },
  };
}

describe('combinedLabel', () => {
  it('names every provider and model once and takes the latest time', () => {
    const label = combinedLabel([
      result('a', { model: 'franc-min/6', generatedAt: '2026-01-01T00:00:02.000Z' }),
      result('b', { model: 'embedded-textrank-de/1', generatedAt: '2026-01-01T00:00:03.000Z' }),
      result('c', { model: 'franc-min/6', generatedAt: '2026-01-01T00:00:01.000Z' }),
    ]);
    expect(label).toEqual({
      aiGenerated: true,
      digitalSourceType: DigitalSourceType.algorithmicMedia,
      provider: 'embedded',
      model: 'franc-min/6, embedded-textrank-de/1',
      generatedAt: '2026-01-01T00:00:03.000Z',
      reviewState: 'unreviewed',
    });
  });

  it('is model output as soon as one trained model contributed, and approved only when all were', () => {
    const label = combinedLabel([
      result('a', { reviewState: 'approved' }),
      result('b', { provider: 'llm-eu', digitalSourceType: DigitalSourceType.trainedAlgorithmicMedia, reviewState: 'approved' }),
    ]);
    expect(label.digitalSourceType).toBe(DigitalSourceType.trainedAlgorithmicMedia);
    expect(label.provider).toBe('embedded, llm-eu');
    expect(label.reviewState).toBe('approved');
    expect(combinedLabel([result('a', { reviewState: 'approved' }), result('b', {})]).reviewState).toBe('unreviewed');
  });
});
