import type { ProviderConfig } from '@app/contracts';
import { EmbeddedProvider } from './embedded.provider.js';
import { OpenAiCompatibleProvider } from './openai-compatible.provider.js';
import { ProviderRegistry } from './provider.registry.js';

/** The embedded provider plus every provider of the providers file, each with the profile configured for it. */
export function registryFromConfig(providers: readonly ProviderConfig[]): ProviderRegistry {
  const registry = new ProviderRegistry().register(new EmbeddedProvider());
  for (const config of providers) registry.register(providerFromConfig(config));
  return registry;
}

export function providerFromConfig(config: ProviderConfig): OpenAiCompatibleProvider {
  switch (config.type) {
    case 'openai-compatible':
      return new OpenAiCompatibleProvider({
        name: config.name,
        baseURL: config.baseUrl,
        model: config.model,
        ...(config.apiKey !== undefined && { apiKey: config.apiKey }),
        location: config.location,
        operator: config.operator,
        ...(config.dataProcessingAgreement !== undefined && { dataProcessingAgreement: config.dataProcessingAgreement }),
        dataClasses: config.dataClasses,
        ...(config.tasks !== undefined && { tasks: config.tasks }),
        ...(config.timeoutMs !== undefined && { timeoutMs: config.timeoutMs }),
        ...(config.maxRetries !== undefined && { maxRetries: config.maxRetries }),
        ...(config.structuredOutput !== undefined && { structuredOutput: config.structuredOutput }),
        ...(config.temperature !== undefined && { temperature: config.temperature }),
        ...(config.maxOutputTokens !== undefined && { maxOutputTokens: config.maxOutputTokens }),
      });
  }
}
