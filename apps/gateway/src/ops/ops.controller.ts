import { Controller, Get, Header, HttpCode, Param, Post, UseFilters } from '@nestjs/common';
import { register } from 'prom-client';
import { InputError } from '@app/contracts';
import { DocumentStore } from '@app/documents';
import { PipelineService, type DeadLetter } from '@app/pipeline';
import { QueueNames } from '@app/queue';
import { ApiExceptionFilter } from '../rest/api-exception.filter.js';

/** Operator routes besides Bull Board; like it, they answer only on loopback (see the bootstrap). */
@Controller('ops')
@UseFilters(ApiExceptionFilter)
export class OpsController {
  constructor(
    private readonly pipeline: PipelineService,
    private readonly store: DocumentStore,
  ) {}

  @Get('metrics')
  @Header('Content-Type', register.contentType)
  metrics(): Promise<string> {
    return register.metrics();
  }

  @Get('dead-letter')
  async deadLetters(): Promise<DeadLetter[]> {
    const jobs = await this.pipeline.queue(QueueNames.deadLetter).getJobs(['waiting', 'delayed', 'prioritized'], 0, 999);
    return jobs.map((job) => job.data as DeadLetter);
  }

  /** Runs a failed step again once its cause is fixed (a legacy system back up, a route corrected). */
  @Post('dead-letter/:jobId/replay')
  @HttpCode(202)
  async replay(@Param('jobId') jobId: string): Promise<{ replayed: string }> {
    const deadLetters = this.pipeline.queue(QueueNames.deadLetter);
    const letter = await deadLetters.getJob(jobId);
    if (!letter) throw new InputError(`no dead letter ${jobId}`, 'not-found', 404);
    const data = letter.data as DeadLetter;
    const original = await this.pipeline.queue(data.queue).getJob(data.jobId);
    await this.store.setState(data.documentId, 'processing');
    if (original && (await original.isFailed())) {
      await original.retry('failed');
    } else {
      await original?.remove();
      await this.pipeline.enqueue({ documentId: data.documentId, routeId: data.routeId, step: data.step });
    }
    await letter.remove();
    return { replayed: jobId };
  }
}
