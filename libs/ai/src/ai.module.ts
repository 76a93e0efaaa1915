import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { AiService } from './ai.service.js';
import { registryFromConfig } from './provider.factory.js';
import { ProviderRegistry } from './provider.registry.js';

/**
 * AI steps for the worker: the embedded provider and those of the providers file (SCHNITTSTELLE_PROVIDERS).
 * Without configuration (a test module) only the embedded one.
 */
@Module({
  providers: [
    {
      provide: ProviderRegistry,
      inject: [{ token: APP_CONFIG, optional: true }],
      useFactory: (config?: AppConfig) => registryFromConfig(config?.providers ?? []),
    },
    AiService,
  ],
  exports: [ProviderRegistry, AiService],
})
export class AiModule {}
