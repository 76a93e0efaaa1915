import { Processor } from '@nestjs/bullmq';
import { Inject } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import type { PipelineJob } from '@app/contracts';
import { PipelineProcessor, PipelineService, type JobLease } from '@app/pipeline';
import { QueueNames } from '@app/queue';
import { AiStepService } from './ai-step.service.js';

@Processor(QueueNames.ai)
export class AiStepProcessor extends PipelineProcessor {
  constructor(pipeline: PipelineService, @Inject(APP_CONFIG) config: AppConfig, private readonly steps: AiStepService) {
    super(pipeline, config.queue.concurrency);
  }

  protected handle(job: PipelineJob, lease: JobLease) {
    return this.steps.run(job, lease);
  }
}
