import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { failFastRedisOptions } from '@app/queue';
import { DocumentStore } from './document.store.js';

export const DOCUMENTS_REDIS = Symbol('DOCUMENTS_REDIS');

/**
 * The document store's connection. Auto-pipelining (ioredis sends what was queued when the event loop's
 * poll phase is over): documents whose readings come back from the XML workers in the same poll are stored
 * in one write (one syscall, one read of the replies), not one round trip each; in bench:soap 2.5 documents
 * per write, only 16 % alone. Nothing on this connection blocks, so nothing waits behind a slow command it
 * would not wait for anyway.
 */
export function documentsRedisOptions(url: string): RedisOptions {
  return { ...failFastRedisOptions(url), enableAutoPipelining: true };
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
