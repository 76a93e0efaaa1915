import { PermanentError } from '@app/contracts';
import type { AiProvider, ProviderProfile } from './ai-provider.interface.js';
import { EmbeddedProvider } from './embedded.provider.js';
import { checkedProfile, declaredProfile, EMBEDDED_PROVIDER_PROFILE } from './provider-policy.profiles.js';
import type { ChainCandidate } from './provider-policy.rules.js';

/** A registered provider with the profile the policy judges it by. */
export interface RegisteredProvider extends ChainCandidate {
  readonly provider: AiProvider;
}

/**
 * The AI providers a process knows, by name, each with its data-protection profile (location, operator,
 * data-processing agreement, data classes). Steps name their provider; an unknown name fails for good.
 */
export class ProviderRegistry {
  private readonly providers = new Map<string, AiProvider>();
  private readonly profiles = new Map<string, ProviderProfile>();

  /**
   * Adds a provider. Two with one name would make routing ambiguous, so that is refused. Its profile is
   * `profile` when given (configuration knows where a service runs), else the one the provider declares,
   * else, for the embedded engine, on-premises with every data class. A provider with none is kept but
   * the policy refuses it for every data class. An incomplete profile is a configuration error and throws.
   */
  register(provider: AiProvider, profile?: ProviderProfile): this {
    if (this.providers.has(provider.name)) throw new Error(`AI provider "${provider.name}" is registered twice`);
    const owner = `AI provider "${provider.name}"`;
    const resolved = profile
      ? checkedProfile(profile, owner)
      : (declaredProfile(provider) ?? (provider instanceof EmbeddedProvider ? EMBEDDED_PROVIDER_PROFILE : undefined));
    this.providers.set(provider.name, provider);
    if (resolved) this.profiles.set(provider.name, resolved);
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

  /** The profile the policy judges the provider by; undefined when it has none (refused for everything). */
  profile(name: string): ProviderProfile | undefined {
    this.get(name);
    return this.profiles.get(name);
  }

  /** The provider with its name, tasks and profile, as the policy and the fallback chain need it. */
  describe(name: string): RegisteredProvider {
    const provider = this.get(name);
    return { name: provider.name, tasks: provider.tasks, ...this.profiles.get(name), provider };
  }

  /** Registered names, sorted. */
  names(): string[] {
    return [...this.providers.keys()].sort();
  }
}
