import { PermanentError } from '@app/contracts';
import type { AiProvider } from './ai-provider.interface.js';

/** The AI providers a process knows, by name. Steps name their provider; an unknown name fails for good. */
export class ProviderRegistry {
  private readonly providers = new Map<string, AiProvider>();

  /** Adds a provider. Two with one name would make routing ambiguous, so that is refused. */
  register(provider: AiProvider): this {
    if (this.providers.has(provider.name)) throw new Error(`AI provider "${provider.name}" is registered twice`);
    this.providers.set(provider.name, provider);
    return this;
  }

  get(name: string): AiProvider {
    const provider = this.providers.get(name);
    if (!provider) {
      const known = this.names();
      throw new PermanentError(
        `unknown AI provider "${name}"; known: ${known.length ? known.map((n) => `"${n}"`).join(', ') : 'none'}`,
        'unknown-provider',
      );
    }
    return provider;
  }

  has(name: string): boolean {
    return this.providers.has(name);
  }

  /** Registered names, sorted. */
  names(): string[] {
    return [...this.providers.keys()].sort();
  }
}
