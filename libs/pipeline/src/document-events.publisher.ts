import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import { APP_CONFIG, type AppConfig } from '@app/config';
import type { DocumentEvent, DocumentEventPattern } from '@app/contracts';
import { redisOptionsFromUrl } from '@app/queue';

export const EVENTS_CLIENT = Symbol('EVENTS_CLIENT');

/**
 * Redis transport settings for event senders and listeners. Nest's Redis transport gives up on the first
 * lost connection unless told to retry; events would then stop for good after a Redis restart.
 */
export function eventsTransportOptions(redisUrl: string) {
  return { ...redisOptionsFromUrl(redisUrl), retryAttempts: Number.MAX_SAFE_INTEGER, retryDelay: 1000 };
}

/**
 * Tells the other apps what happened to a document, over the Redis transport. Events are notifications;
 * the document store is the record. A lost event is logged, and never fails the step that caused it.
 */
@Injectable()
export class DocumentEventsPublisher implements OnApplicationShutdown {
  private readonly logger = new Logger(DocumentEventsPublisher.name);

  constructor(
    @Inject(EVENTS_CLIENT) private readonly client: ClientProxy,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  publish(pattern: DocumentEventPattern, event: Omit<DocumentEvent, 'at' | 'installation'>): void {
    const full: DocumentEvent = { ...event, installation: this.config.queue.prefix, at: new Date().toISOString() };
    this.client.emit(pattern, full).subscribe({
      error: (error: Error) => this.logger.warn(`event ${pattern} for ${event.documentId} not sent: ${error.message}`),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}
