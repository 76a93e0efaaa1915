import { describe, expect, it } from '@jest/globals';
import { PermanentError, type StepConfig, type StepResult } from '@app/contracts';
import type { AiProvider } from './ai-provider.interface.js';
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
});
