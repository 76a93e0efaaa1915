import { Global, Module } from '@nestjs/common';
import { ClientsModule, Transport } from '@nestjs/microservices';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { DOCUMENTS_REDIS } from '@app/documents';
import { AiUsageStore } from './ai-usage.store.js';
import { DocumentEventsPublisher, EVENTS_CLIENT, eventsTransportOptions } from './document-events.publisher.js';
import { PipelineService } from './pipeline.service.js';

@Global()
@Module({
  imports: [
    ClientsModule.registerAsync([
      {
        name: EVENTS_CLIENT,
        inject: [APP_CONFIG],
        // Events of one event-loop turn (the documents of one enqueue batch) go out in one write.
        useFactory: (config: AppConfig) => ({ transport: Transport.REDIS, options: { ...eventsTransportOptions(config.redis.url), enableAutoPipelining: true } }),
      },
    ]),
  ],
  providers: [
    PipelineService,
    DocumentEventsPublisher,
    {
      provide: AiUsageStore,
      inject: [DOCUMENTS_REDIS, APP_CONFIG],
      useFactory: (redis: Redis, config: AppConfig) => new AiUsageStore(redis, { prefix: config.queue.prefix, timeZone: config.tokenBudgetTimeZone }),
    },
  ],
  exports: [PipelineService, DocumentEventsPublisher, AiUsageStore],
})
export class PipelineModule {}
