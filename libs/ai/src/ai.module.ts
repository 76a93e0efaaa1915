import { Module } from '@nestjs/common';
import { AiService } from './ai.service.js';
import { EmbeddedProvider } from './embedded.provider.js';
import { ProviderRegistry } from './provider.registry.js';

/**
 * AI steps for the worker. The registry comes with the embedded provider; modules that bring other
 * providers inject ProviderRegistry and register theirs.
 */
@Module({
  providers: [{ provide: ProviderRegistry, useFactory: () => new ProviderRegistry().register(new EmbeddedProvider()) }, AiService],
  exports: [ProviderRegistry, AiService],
})
export class AiModule {}
