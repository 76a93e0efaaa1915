import { Controller, Inject, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { DocumentEvents, type DocumentEvent } from '@app/contracts';
import { documentMetrics } from './document.metrics.js';

/**
 * The gateway listens to what the other apps report, for the operators' log and metrics. Not to its own
 * `accepted` events: intake counts those as it takes documents in, which spares every request a round
 * trip through Redis back into this process, and keeps several gateways from counting each other's.
 */
@Controller()
export class DocumentEventsController {
  private readonly logger = new Logger('DocumentEvents');
  private readonly counters = documentMetrics;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  private ours(event: DocumentEvent): boolean {
    return event.installation === this.config.queue.prefix;
  }

  @EventPattern(DocumentEvents.stepDone)
  stepDone(@Payload() event: DocumentEvent): void {
    if (!this.ours(event)) return;
    this.counters.stepDone.inc({ route: event.routeId, step: event.step ?? '' });
  }

  @EventPattern(DocumentEvents.completed)
  completed(@Payload() event: DocumentEvent): void {
    if (!this.ours(event)) return;
    this.counters.completed.inc({ route: event.routeId, step: event.step ?? '' });
    this.logger.log(`document ${event.documentId} (${event.routeId}) completed`);
  }

  @EventPattern(DocumentEvents.failed)
  failed(@Payload() event: DocumentEvent): void {
    if (!this.ours(event)) return;
    this.counters.failed.inc({ route: event.routeId, step: event.step ?? '' });
    this.logger.warn(`document ${event.documentId} (${event.routeId}) failed at ${event.step}: ${event.reason}`);
  }
}
