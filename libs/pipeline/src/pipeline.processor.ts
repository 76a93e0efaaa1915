import { WorkerHost } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { DeferredError, PermanentError, type PipelineJob } from '@app/contracts';
import { parsePipelineJob } from './pipeline-job.schema.js';
import { logConnectionError } from './connection-error.log.js';
import type { PipelineService, StepOutcome } from './pipeline.service.js';

/** The job a step runs for, as far as a long step needs it. */
export interface JobLease {
  /** Extends the job's lock; throws when it is lost (the step must stop: another worker may run it). */
  renew(): Promise<void>;
}

/**
 * The shape every pipeline consumer shares, so processors stay thin: validate the job, call one service,
 * and let the pipeline record the outcome. Permanent errors become UnrecoverableError (no retry); a
 * DeferredError (a limit reached) moves the job to the delayed set without using an attempt; everything
 * else is rethrown for BullMQ's backoff.
 */
export abstract class PipelineProcessor extends WorkerHost implements OnApplicationBootstrap {
  protected readonly logger = new Logger(this.constructor.name);

  protected constructor(
    protected readonly pipeline: PipelineService,
    private readonly concurrency: number,
  ) {
    super();
  }

  protected abstract handle(job: PipelineJob, lease: JobLease): Promise<StepOutcome>;

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.concurrency;
    this.worker.on('failed', (job, error) => {
      if (job) void this.onFailed(job, error);
    });
    // Connection trouble (Redis away): BullMQ retries by itself; say so in the log, not on the console.
    this.worker.on('error', (error) => logConnectionError(this.logger, `worker ${this.worker.name}`, error));
  }

  async process(job: Job, token?: string): Promise<StepOutcome> {
    const data = parsePipelineJob(job.data);
    if (typeof data === 'string') throw new UnrecoverableError(data);
    const attempt = job.attemptsMade + 1;
    try {
      await this.pipeline.stepStarted(data, attempt);
      const outcome = await this.handle(data, this.lease(job, token));
      await this.pipeline.stepDone(data, attempt, outcome);
      return outcome;
    } catch (error) {
      if (error instanceof PermanentError) throw new UnrecoverableError(`${error.code}: ${error.message}`);
      if (error instanceof DeferredError && token) {
        await this.pipeline.stepDeferred(data, attempt, error);
        await job.moveToDelayed(error.retryAt, token);
        throw new DelayedError();
      }
      throw error;
    }
  }

  /** Lets a long step keep its job: BullMQ renews locks by itself, this also notices a lock that is lost. */
  private lease(job: Job, token: string | undefined): JobLease {
    const duration = this.worker.opts.lockDuration ?? 30_000;
    return {
      renew: async () => {
        if (token && !(await job.extendLock(token, duration))) throw new Error(`the lock of job ${job.id} is lost; another worker may run it`);
      },
    };
  }

  private async onFailed(job: Job, error: Error): Promise<void> {
    const data = parsePipelineJob(job.data);
    if (typeof data === 'string') {
      this.logger.error(`job ${job.id} in ${job.queueName} refused: ${data}`);
      return;
    }
    const final = error instanceof UnrecoverableError || error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
    try {
      await this.pipeline.stepFailed(data, job.attemptsMade, error.message, final);
    } catch (recordError) {
      // The job's own failure is kept by BullMQ; this only loses the extra bookkeeping, so say so loudly.
      this.logger.error(`could not record the failure of job ${job.id}: ${(recordError as Error).message}`);
    }
  }
}
