import { describe, expect, it } from '@jest/globals';
import { PermanentError, type StepConfig, type StepResult } from '@app/contracts';
import type { AiProvider, ProviderProfile } from './ai-provider.interface.js';
import { EmbeddedProvider } from './embedded.provider.js';
import { EMBEDDED_PROVIDER_PROFILE } from './provider-policy.profiles.js';
import { ProviderRegistry } from './provider.registry.js';

const fake = (name: string): AiProvider => ({
  name,
  tasks: ['detect-language'],
  run: async (_step: StepConfig, _text: string): Promise<StepResult> => {
    throw new Error('not used');
  },
});

describe('ProviderRegistry', () => {
  it('returns a registered provider by name', () => {
    const provider = fake('embedded');
    const registry = new ProviderRegistry().register(provider).register(fake('llm'));
    expect(registry.get('embedded')).toBe(provider);
    expect(registry.has('llm')).toBe(true);
    expect(registry.names()).toEqual(['embedded', 'llm']);
  });

  it('refuses an unknown name permanently, naming it and the known ones', () => {
    const registry = new ProviderRegistry().register(fake('embedded')).register(fake('llm'));
    let error: unknown;
    try {
      registry.get('openai');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ code: 'unknown-provider' });
    expect((error as Error).message).toContain('"openai"');
    expect((error as Error).message).toContain('"embedded", "llm"');
  });

  it('says when none is registered', () => {
    expect(() => new ProviderRegistry().get('embedded')).toThrow(/known: none/);
  });

  it('refuses a second provider with the same name', () => {
    const registry = new ProviderRegistry().register(fake('embedded'));
    expect(() => registry.register(fake('embedded'))).toThrow(/registered twice/);
  });

  describe('profiles', () => {
    const eu: ProviderProfile = { location: 'eu', operator: 'Kommunales Rechenzentrum', dataProcessingAgreement: 'AVV-7', dataClasses: ['public', 'internal'] };

    it('gives the embedded engine its on-premises profile with every data class', () => {
      const registry = new ProviderRegistry().register(new EmbeddedProvider());
      expect(registry.profile('embedded')).toEqual({
        location: 'on-premises',
        operator: 'this installation',
        dataClasses: ['public', 'internal', 'personal', 'special-category'],
      });
      expect(registry.profile('embedded')).toBe(EMBEDDED_PROVIDER_PROFILE);
    });

    it('takes the profile a provider declares', () => {
      const registry = new ProviderRegistry().register({ ...fake('llm'), ...eu });
      expect(registry.profile('llm')).toEqual(eu);
    });

    it('takes a profile given at registration over the declared one', () => {
      const onPremises: ProviderProfile = { location: 'on-premises', operator: 'Hauptamt', dataClasses: ['personal'] };
      const registry = new ProviderRegistry().register({ ...fake('llm'), ...eu }, onPremises);
      expect(registry.profile('llm')).toEqual(onPremises);
    });

    it('keeps a provider without a profile, with none (the policy refuses it)', () => {
      const registry = new ProviderRegistry().register(fake('ohne'));
      expect(registry.has('ohne')).toBe(true);
      expect(registry.profile('ohne')).toBeUndefined();
    });

    it('refuses an incomplete or invalid profile, naming what is wrong', () => {
      expect(() => new ProviderRegistry().register({ ...fake('llm'), location: 'eu' })).toThrow(/AI provider "llm".*operator must be a non-empty string.*dataClasses/);
      expect(() => new ProviderRegistry().register(fake('llm'), { ...eu, location: 'mars' as never })).toThrow(/location must be one of/);
      expect(() => new ProviderRegistry().register(fake('llm'), { ...eu, dataClasses: ['geheim' as never] })).toThrow(/unknown entries \["geheim"\]/);
    });

    it('describes a provider with its tasks and profile for the policy', () => {
      const provider = { ...fake('llm'), ...eu };
      const described = new ProviderRegistry().register(provider).describe('llm');
      expect(described).toMatchObject({ name: 'llm', tasks: ['detect-language'], ...eu });
      expect(described.provider).toBe(provider);
      expect(() => new ProviderRegistry().describe('llm')).toThrow(PermanentError);
    });
  });
});
