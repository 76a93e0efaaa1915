import { Controller, Inject, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Counter, register } from 'prom-client';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { DocumentEvents, type DocumentEvent } from '@app/contracts';

function counter(name: string, help: string): Counter<'route' | 'step'> {
  // One registry per process; in tests several apps may start in one process.
  return (register.getSingleMetric(name) as Counter<'route' | 'step'>) ?? new Counter({ name, help, labelNames: ['route', 'step'] });
}

/** The gateway listens to what the other apps report, for the operators' log and metrics. */
@Controller()
export class DocumentEventsController {
  private readonly logger = new Logger('DocumentEvents');
  private readonly counters = {
    accepted: counter('schnittstelle_documents_accepted_total', 'Documents taken in'),
    stepDone: counter('schnittstelle_steps_done_total', 'Pipeline steps done'),
    completed: counter('schnittstelle_documents_completed_total', 'Documents written back'),
    failed: counter('schnittstelle_documents_failed_total', 'Documents failed for good'),
  };

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  private ours(event: DocumentEvent): boolean {
    return event.installation === this.config.queue.prefix;
  }

  @EventPattern(DocumentEvents.accepted)
  accepted(@Payload() event: DocumentEvent): void {
    if (!this.ours(event)) return;
    this.counters.accepted.inc({ route: event.routeId, step: 'intake' });
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
