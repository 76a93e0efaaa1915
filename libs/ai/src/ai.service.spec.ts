import { describe, expect, it } from '@jest/globals';
import { PermanentError, stepConfigSchema, type StepConfig, type StepResult } from '@app/contracts';
import type { AiProvider } from './ai-provider.interface.js';
import { AiService } from './ai.service.js';
import { EmbeddedProvider } from './embedded.provider.js';
import { ProviderRegistry } from './provider.registry.js';

const TEXT = 'Die Gemeinde erhebt eine Hundesteuer. Die Steuer ist jährlich am 1. März fällig.';

/** A provider that only detects languages and records what it was asked. */
class LanguageOnly implements AiProvider {
  readonly name = 'sprachdienst';
  readonly tasks = ['detect-language'] as const;
  readonly calls: string[] = [];
  async run(step: StepConfig, text: string): Promise<StepResult> {
    this.calls.push(`${step.id}:${text.length}`);
    return {
      step: step.id,
      task: step.task,
      output: { language: 'deu', confidence: 1 },
      label: { aiGenerated: true, digitalSourceType: 'x' as never, provider: this.name, model: 'm', generatedAt: 't', reviewState: 'unreviewed' },
    };
  }
}

describe('AiService', () => {
  const languageOnly = new LanguageOnly();
  const service = new AiService(new ProviderRegistry().register(new EmbeddedProvider()).register(languageOnly));

  it('runs the step on the provider it names', async () => {
    const embedded = await service.run(stepConfigSchema.parse({ id: 'sprache', task: 'detect-language' }), TEXT);
    expect(embedded.label.provider).toBe('embedded');
    expect(embedded.output).toMatchObject({ language: 'deu' });

    const other = await service.run(stepConfigSchema.parse({ id: 'sprache', task: 'detect-language', provider: 'sprachdienst' }), TEXT);
    expect(other.label.provider).toBe('sprachdienst');
    expect(languageOnly.calls).toEqual([`sprache:${TEXT.length}`]);
  });

  it('refuses a task the provider does not declare, before calling it', async () => {
    const step = stepConfigSchema.parse({ id: 'kurz', task: 'summarise', provider: 'sprachdienst' });
    const run = service.run(step, TEXT);
    await expect(run).rejects.toBeInstanceOf(PermanentError);
    await expect(service.run(step, TEXT)).rejects.toMatchObject({ code: 'unsupported-task', message: expect.stringContaining('"summarise"') });
    expect(languageOnly.calls).toHaveLength(1);
  });

  it('refuses an unknown provider', async () => {
    const step = stepConfigSchema.parse({ id: 'kurz', task: 'summarise', provider: 'nirgendwo' });
    await expect(service.run(step, TEXT)).rejects.toMatchObject({ code: 'unknown-provider' });
  });

  it('passes the provider\'s own refusals on', async () => {
    await expect(service.run(stepConfigSchema.parse({ id: 'kurz', task: 'summarise' }), ' ')).rejects.toMatchObject({ code: 'empty-text' });
  });
});
