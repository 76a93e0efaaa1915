import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AuditLog } from '@app/audit';
import { RoutesRegistry } from '@app/config';
import { DocumentEvents, UnavailableError, type DeferredError, type PipelineJob, type Route } from '@app/contracts';
import { DocumentStore } from '@app/documents';
import { logConnectionError } from './connection-error.log.js';
import { DocumentEventsPublisher } from './document-events.publisher.js';
import { JobBatcher, jobIdFor, JobNames, QueueNames, Steps, type QueueName } from '@app/queue';

/** What a step reports back for the audit record. */
export interface StepOutcome {
  provider?: string;
  model?: string;
  detail?: string;
  /** The step found its work already done (a retry or a second delivery) and did nothing. */
  skipped?: boolean;
}

export interface DeadLetter extends PipelineJob {
  queue: QueueName;
  jobId: string;
  reason: string;
  failedAt: string;
}

const ENQUEUE_TIMEOUT_MS = 3000;

/** The order of steps and the bookkeeping around each: state, audit record, event, next job. */
@Injectable()
export class PipelineService {
  private readonly logger = new Logger(PipelineService.name);
  private readonly queues: Record<QueueName, Queue>;
  private readonly batchers: Record<QueueName, JobBatcher>;

  constructor(
    private readonly routes: RoutesRegistry,
    private readonly store: DocumentStore,
    private readonly audit: AuditLog,
    private readonly events: DocumentEventsPublisher,
    @InjectQueue(QueueNames.intake) intake: Queue,
    @InjectQueue(QueueNames.ai) ai: Queue,
    @InjectQueue(QueueNames.writeback) writeback: Queue,
    @InjectQueue(QueueNames.deadLetter) deadLetter: Queue,
  ) {
    this.queues = { intake, ai, writeback, 'dead-letter': deadLetter };
    this.batchers = Object.fromEntries(Object.entries(this.queues).map(([name, queue]) => [name, new JobBatcher(queue)])) as Record<QueueName, JobBatcher>;
    for (const queue of Object.values(this.queues)) queue.on('error', (error) => logConnectionError(this.logger, `queue ${queue.name}`, error));
  }

  /** intake, the route's AI steps, write-back. */
  plan(route: Route): string[] {
    return [Steps.intake, ...route.steps.map((s) => s.id), Steps.writeback];
  }

  queueFor(step: string): QueueName {
    if (step === Steps.intake) return QueueNames.intake;
    if (step === Steps.writeback) return QueueNames.writeback;
    return QueueNames.ai;
  }

  queue(name: QueueName): Queue {
    return this.queues[name];
  }

  /**
   * Adds the job for one step; the deterministic id makes a second add of the same step a no-op. Adds made
   * in one turn of the event loop go to Redis together (JobBatcher).
   */
  async enqueue(job: PipelineJob): Promise<void> {
    const queueName = this.queueFor(job.step);
    const name = job.step === Steps.intake ? JobNames.intake : job.step === Steps.writeback ? JobNames.writeback : job.step;
    await withTimeout(this.batchers[queueName].add(name, job, { jobId: jobIdFor(job.documentId, job.step) }), ENQUEUE_TIMEOUT_MS, `queue ${queueName}`);
  }

  async stepStarted(job: PipelineJob, attempt: number): Promise<void> {
    await this.store.setStep(job.documentId, { step: job.step, state: 'running', attempts: attempt });
    if (job.step === Steps.intake) await this.store.setState(job.documentId, 'processing');
  }

  /** Records the step, tells the others, and enqueues the next step (or closes the document). */
  async stepDone(job: PipelineJob, attempt: number, outcome: StepOutcome): Promise<void> {
    await this.store.setStep(job.documentId, { step: job.step, state: outcome.skipped ? 'skipped' : 'done', attempts: attempt });
    await this.audit.append({
      documentId: job.documentId,
      routeId: job.routeId,
      step: job.step,
      outcome: outcome.skipped ? 'skipped' : job.step === Steps.writeback ? 'written-back' : 'done',
      provider: outcome.provider,
      model: outcome.model,
      detail: outcome.detail,
    });
    const plan = this.plan(this.routes.get(job.routeId));
    const next = plan[plan.indexOf(job.step) + 1];
    if (next) {
      await this.enqueue({ documentId: job.documentId, routeId: job.routeId, step: next });
      this.events.publish(DocumentEvents.stepDone, { documentId: job.documentId, routeId: job.routeId, state: 'processing', step: job.step });
    } else {
      await this.store.setState(job.documentId, 'completed');
      this.events.publish(DocumentEvents.completed, { documentId: job.documentId, routeId: job.routeId, state: 'completed', step: job.step });
    }
  }

  /** The step waits for a limit (the job is delayed); the status says until when and why. */
  async stepDeferred(job: PipelineJob, attempt: number, reason: DeferredError): Promise<void> {
    const until = new Date(reason.retryAt).toISOString();
    await this.store.setStep(job.documentId, { step: job.step, state: 'pending', attempts: attempt - 1, error: `waiting until ${until}: ${reason.code}: ${reason.message}` });
  }

  /**
   * A failed attempt. While retries remain the step says so; after the last one (or a permanent error) the
   * document fails, the reason is audited, and the job goes to the dead-letter queue for an operator.
   */
  async stepFailed(job: PipelineJob, attempt: number, reason: string, final: boolean): Promise<void> {
    await this.store.setStep(job.documentId, { step: job.step, state: final ? 'failed' : 'running', attempts: attempt, error: reason });
    await this.audit.append({ documentId: job.documentId, routeId: job.routeId, step: job.step, outcome: final ? 'failed' : 'retrying', detail: reason });
    if (!final) return;
    await this.store.setState(job.documentId, 'failed', `${job.step}: ${reason}`);
    const queue = this.queueFor(job.step);
    const jobId = jobIdFor(job.documentId, job.step);
    const letter: DeadLetter = { ...job, queue, jobId, reason, failedAt: new Date().toISOString() };
    await this.queues[QueueNames.deadLetter].add(JobNames.deadLetter, letter, { jobId, removeOnComplete: true, removeOnFail: false, attempts: 1 });
    this.events.publish(DocumentEvents.failed, { documentId: job.documentId, routeId: job.routeId, state: 'failed', step: job.step, reason });
    this.logger.warn(`document ${job.documentId} failed at ${job.step}: ${reason}`);
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UnavailableError(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } catch (error) {
    throw error instanceof UnavailableError ? error : new UnavailableError(`${what}: ${(error as Error).message}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}
