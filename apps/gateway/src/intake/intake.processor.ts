import { Processor } from '@nestjs/bullmq';
import { Inject } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import type { PipelineJob } from '@app/contracts';
import { PipelineProcessor, PipelineService } from '@app/pipeline';
import { QueueNames } from '@app/queue';
import { IntakeService } from './intake.service.js';

@Processor(QueueNames.intake)
export class IntakeProcessor extends PipelineProcessor {
  constructor(pipeline: PipelineService, @Inject(APP_CONFIG) config: AppConfig, private readonly intake: IntakeService) {
    super(pipeline, config.queue.concurrency);
  }

  protected handle(job: PipelineJob) {
    return this.intake.admit(job);
  }
}
