import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { failFastRedisOptions } from '@app/queue';
import { DocumentStore } from './document.store.js';

export const DOCUMENTS_REDIS = Symbol('DOCUMENTS_REDIS');

/**
 * The document store's connection. No auto-pipelining: intake stores a document as soon as its XML has been
 * read, and each reading comes back from its worker thread in a turn of the event loop of its own, so there
 * is nothing to batch (7500 of 7500 in bench:soap came alone); a pipeline per command only costs the thread
 * that serves HTTP, 7 to 11 us of CPU per stored document (35 to 41 us with it, 24 to 34 without).
 */
export function documentsRedisOptions(url: string): RedisOptions {
  return failFastRedisOptions(url);
}

@Global()
@Module({
  providers: [
    {
      provide: DOCUMENTS_REDIS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        const redis = new Redis(documentsRedisOptions(config.redis.url));
        // Connection errors surface on each command as UnavailableError; the event itself needs a listener.
        redis.on('error', () => undefined);
        return redis;
      },
    },
    {
      provide: DocumentStore,
      inject: [DOCUMENTS_REDIS, APP_CONFIG],
      useFactory: (redis: Redis, config: AppConfig) => new DocumentStore(redis, { prefix: config.queue.prefix, ttlSeconds: config.documents.ttlSeconds }),
    },
  ],
  exports: [DocumentStore, DOCUMENTS_REDIS],
})
export class DocumentsModule implements OnApplicationShutdown {
  constructor(@Inject(DOCUMENTS_REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
