import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { DigitalSourceType, PermanentError, RetryableError, stepConfigSchema, type StepConfig } from '@app/contracts';
import { startChatCompletionsStandIn, type ChatCompletionsStandIn } from '@app/testing';
import type { AiProvider, AiRunOptions, AiStepConfig, AiStepResult, AiTask, ProviderProfile } from './ai-provider.interface.js';
import { AiService, DEFAULT_DATA_CLASS } from './ai.service.js';
import { EmbeddedProvider } from './embedded.provider.js';
import { OpenAiCompatibleProvider } from './openai-compatible.provider.js';
import { ProviderPolicy } from './provider-policy.rules.js';
import { ProviderRegistry } from './provider.registry.js';

const TEXT = 'Die Gemeinde erhebt eine Hundesteuer. Die Steuer ist jährlich am 1. März fällig.';

const ON_PREMISES: ProviderProfile = { location: 'on-premises', operator: 'Hauptamt', dataClasses: ['public', 'internal', 'personal', 'special-category'] };
const EU: ProviderProfile = { location: 'eu', operator: 'EU-Cloud GmbH', dataProcessingAgreement: 'AVV-2026-3', dataClasses: ['public', 'internal', 'personal'] };
const THIRD_COUNTRY: ProviderProfile = { location: 'third-country', operator: 'Example AI Inc.', dataProcessingAgreement: 'DPA-99', dataClasses: ['public', 'internal', 'personal'] };

type Behaviour = 'ok' | 'retryable' | 'permanent' | 'aborted';

/** A provider that records what it was asked and answers as told. */
class Fake implements AiProvider {
  readonly calls: Array<{ step: string; text: number; options?: AiRunOptions }> = [];
  readonly location?: ProviderProfile['location'];
  readonly operator?: string;
  readonly dataProcessingAgreement?: string;
  readonly dataClasses?: ProviderProfile['dataClasses'];

  constructor(
    readonly name: string,
    readonly tasks: readonly AiTask[],
    profile: ProviderProfile | undefined,
    private readonly behaviour: Behaviour = 'ok',
  ) {
    Object.assign(this, profile);
  }

  async run(step: AiStepConfig, text: string, options?: AiRunOptions): Promise<AiStepResult> {
    this.calls.push({ step: step.id, text: text.length, ...(options ? { options } : {}) });
    if (this.behaviour === 'retryable') throw new RetryableError(`${this.name} is down`, 'provider-unavailable');
    if (this.behaviour === 'aborted') throw new RetryableError(`${this.name} was cancelled`, 'aborted');
    if (this.behaviour === 'permanent') throw new PermanentError(`${this.name} refused`, 'provider-rejected');
    return {
      step: step.id,
      task: step.task,
      output: { language: 'deu', confidence: 1 },
      label: { aiGenerated: true, digitalSourceType: DigitalSourceType.trainedAlgorithmicMedia, provider: this.name, model: 'm', generatedAt: 't', reviewState: 'unreviewed' },
    };
  }
}

const step = (config: object): StepConfig => stepConfigSchema.parse({ id: 'sprache', task: 'detect-language', ...config });
const chain = (provider: string, ...fallbackProviders: string[]): AiStepConfig => ({ ...step({ provider }), fallbackProviders });

describe('AiService', () => {
  describe('one provider per step', () => {
    const languageOnly = new Fake('sprachdienst', ['detect-language'], ON_PREMISES);
    const service = new AiService(new ProviderRegistry().register(new EmbeddedProvider()).register(languageOnly));

    it('runs the step on the provider it names', async () => {
      const embedded = await service.run(step({}), TEXT);
      expect(embedded.label.provider).toBe('embedded');
      expect(embedded.output).toMatchObject({ language: 'deu' });

      const other = await service.run(step({ provider: 'sprachdienst' }), TEXT);
      expect(other.label.provider).toBe('sprachdienst');
      expect(languageOnly.calls).toEqual([{ step: 'sprache', text: TEXT.length, options: {} }]);
    });

    it('refuses a task the provider does not declare, before calling it', async () => {
      const summary = stepConfigSchema.parse({ id: 'kurz', task: 'summarise', provider: 'sprachdienst' });
      const run = service.run(summary, TEXT);
      await expect(run).rejects.toBeInstanceOf(PermanentError);
      await expect(service.run(summary, TEXT)).rejects.toMatchObject({ code: 'unsupported-task', message: expect.stringContaining('"summarise"') });
      expect(languageOnly.calls).toHaveLength(1);
    });

    it('refuses an unknown provider', async () => {
      await expect(service.run(step({ provider: 'nirgendwo' }), TEXT)).rejects.toMatchObject({ code: 'unknown-provider' });
    });

    it("passes the provider's own refusals on", async () => {
      await expect(service.run(stepConfigSchema.parse({ id: 'kurz', task: 'summarise' }), ' ')).rejects.toMatchObject({ code: 'empty-text' });
    });
  });

  describe('data-protection policy', () => {
    let eu: Fake;
    let cloud: Fake;
    let bare: Fake;
    let service: AiService;
    beforeEach(() => {
      eu = new Fake('eu-llm', ['detect-language'], EU);
      cloud = new Fake('cloud-llm', ['detect-language'], THIRD_COUNTRY);
      bare = new Fake('ohne-profil', ['detect-language'], undefined);
      service = new AiService(new ProviderRegistry().register(new EmbeddedProvider()).register(eu).register(cloud).register(bare));
    });

    it('assumes special-category data when the caller names no data class', async () => {
      expect(DEFAULT_DATA_CLASS).toBe('special-category');
      await expect(service.run(step({ provider: 'eu-llm' }), TEXT)).rejects.toMatchObject({
        code: 'policy-refused',
        message: expect.stringContaining('data class "special-category"'),
      });
      await expect(service.run(step({}), TEXT)).resolves.toMatchObject({ label: { provider: 'embedded' } });
      expect(eu.calls).toEqual([]);
    });

    it('lets a declared data class through to the providers that may see it', async () => {
      await expect(service.run(step({ provider: 'eu-llm' }), TEXT, { dataClass: 'personal' })).resolves.toMatchObject({ label: { provider: 'eu-llm' } });
      await expect(service.run(step({ provider: 'cloud-llm' }), TEXT, { dataClass: 'internal' })).resolves.toMatchObject({ label: { provider: 'cloud-llm' } });
    });

    it('refuses personal data for a third-country provider before it gets any text, naming class, provider and location', async () => {
      const run = service.run(step({ provider: 'cloud-llm' }), TEXT, { dataClass: 'personal' });
      await expect(run).rejects.toBeInstanceOf(PermanentError);
      await expect(service.run(step({ provider: 'cloud-llm' }), TEXT, { dataClass: 'personal' })).rejects.toMatchObject({
        code: 'policy-refused',
        message: expect.stringMatching(/data class "personal".*"cloud-llm" \(location third-country, operator "Example AI Inc."\)/),
      });
      expect(cloud.calls).toEqual([]);
    });

    it('refuses a provider without a profile for every data class', async () => {
      for (const dataClass of ['public', 'internal', 'personal', 'special-category'] as const) {
        await expect(service.run(step({ provider: 'ohne-profil' }), TEXT, { dataClass })).rejects.toMatchObject({ code: 'policy-refused' });
      }
      expect(bare.calls).toEqual([]);
    });

    it('uses the policy it is given', async () => {
      const allowing = new AiService(new ProviderRegistry().register(new Fake('eu-gesundheit', ['detect-language'], { ...EU, dataClasses: ['special-category'] })), new ProviderPolicy({ specialCategoryOffPremises: ['eu-gesundheit'] }));
      await expect(allowing.run(step({ provider: 'eu-gesundheit' }), TEXT)).resolves.toMatchObject({ label: { provider: 'eu-gesundheit' } });
    });

    it('passes the signal and the progress callback to the provider', async () => {
      const controller = new AbortController();
      const onProgress = () => undefined;
      await service.run(step({ provider: 'eu-llm' }), TEXT, { dataClass: 'internal', signal: controller.signal, onProgress });
      expect(eu.calls[0]!.options).toEqual({ signal: controller.signal, onProgress });
    });
  });

  describe('fallback chains', () => {
    const registry = (...providers: Fake[]) => providers.reduce((r, p) => r.register(p), new ProviderRegistry());

    it('skips providers that are refused or do not do the task, and runs the first allowed one', async () => {
      const cloud = new Fake('cloud-llm', ['detect-language'], THIRD_COUNTRY);
      const summariser = new Fake('nur-zusammenfassung', ['summarise'], ON_PREMISES);
      const eu = new Fake('eu-llm', ['detect-language'], EU);
      const service = new AiService(registry(cloud, summariser, eu));
      const result = await service.run(chain('cloud-llm', 'nur-zusammenfassung', 'eu-llm'), TEXT, { dataClass: 'personal' });
      expect(result.label.provider).toBe('eu-llm');
      expect(result.fallbackFrom).toBeUndefined();
      expect([cloud.calls, summariser.calls, eu.calls.length]).toEqual([[], [], 1]);
    });

    it('moves on to the next allowed provider when one fails with a retryable error, and records it', async () => {
      const down = new Fake('eu-llm', ['detect-language'], EU, 'retryable');
      const rz = new Fake('rz-llm', ['detect-language'], ON_PREMISES);
      const result = await new AiService(registry(down, rz)).run(chain('eu-llm', 'rz-llm'), TEXT, { dataClass: 'personal' });
      expect(result.label.provider).toBe('rz-llm');
      expect(result.fallbackFrom).toEqual([{ provider: 'eu-llm', code: 'provider-unavailable' }]);
      expect(down.calls).toHaveLength(1);
    });

    it('never falls back to a forbidden provider: the retryable error is passed on instead', async () => {
      const down = new Fake('eu-llm', ['detect-language'], EU, 'retryable');
      const cloud = new Fake('cloud-llm', ['detect-language'], THIRD_COUNTRY);
      const run = new AiService(registry(down, cloud)).run(chain('eu-llm', 'cloud-llm'), TEXT, { dataClass: 'personal' });
      await expect(run).rejects.toBeInstanceOf(RetryableError);
      await expect(run).rejects.toMatchObject({ code: 'provider-unavailable' });
      expect(cloud.calls).toEqual([]);
    });

    it('says which providers failed before when the last one fails too', async () => {
      const first = new Fake('eu-llm', ['detect-language'], EU, 'retryable');
      const second = new Fake('rz-llm', ['detect-language'], ON_PREMISES, 'retryable');
      await expect(new AiService(registry(first, second)).run(chain('eu-llm', 'rz-llm'), TEXT, { dataClass: 'internal' })).rejects.toMatchObject({
        code: 'provider-unavailable',
        message: 'rz-llm is down; tried before: "eu-llm" (provider-unavailable)',
      });
    });

    it('does not fall back after a permanent error, an abort or a lost lock', async () => {
      for (const behaviour of ['permanent', 'aborted'] as const) {
        const failing = new Fake('eu-llm', ['detect-language'], EU, behaviour);
        const rz = new Fake('rz-llm', ['detect-language'], ON_PREMISES);
        await expect(new AiService(registry(failing, rz)).run(chain('eu-llm', 'rz-llm'), TEXT, { dataClass: 'internal' })).rejects.toThrow(/eu-llm/);
        expect(rz.calls).toEqual([]);
      }
    });

    it('refuses the step when no provider of the chain is allowed, listing every reason', async () => {
      const cloud = new Fake('cloud-llm', ['detect-language'], THIRD_COUNTRY);
      const eu = new Fake('eu-llm', ['detect-language'], EU);
      await expect(new AiService(registry(cloud, eu)).run(chain('cloud-llm', 'eu-llm'), TEXT)).rejects.toMatchObject({
        code: 'policy-refused',
        message: expect.stringMatching(/step "sprache" \(detect-language, data class "special-category"\).*"cloud-llm".*"eu-llm"/),
      });
    });
  });

  describe('with an OpenAI-compatible provider', () => {
    let standIn: ChatCompletionsStandIn;
    beforeEach(async () => {
      standIn = await startChatCompletionsStandIn();
    });
    afterEach(async () => {
      await standIn.close();
    });

    it('sends no text to a refused provider: the server never sees a request', async () => {
      const cloud = new OpenAiCompatibleProvider({ name: 'cloud-llm', baseURL: standIn.baseURL, model: 'gpt-x', apiKey: 'k', maxRetries: 0, ...THIRD_COUNTRY });
      const service = new AiService(new ProviderRegistry().register(cloud));
      const summary = stepConfigSchema.parse({ id: 'kurz', task: 'summarise', provider: 'cloud-llm' });
      for (const dataClass of [undefined, 'personal', 'special-category'] as const) {
        await expect(service.run(summary, TEXT, dataClass ? { dataClass } : undefined)).rejects.toMatchObject({ code: 'policy-refused' });
      }
      expect(standIn.requests).toEqual([]);

      standIn.answer({ json: { summary: 'Hundesteuer ist am 1. März fällig.' } });
      const result = await service.run(summary, TEXT, { dataClass: 'public' });
      expect(result.output).toMatchObject({ summary: 'Hundesteuer ist am 1. März fällig.' });
      expect(result.label).toMatchObject({ provider: 'cloud-llm', digitalSourceType: DigitalSourceType.trainedAlgorithmicMedia, promptTemplate: { id: 'summarise-de', version: 1 } });
      expect(standIn.requests).toHaveLength(1);
    });
  });
});
