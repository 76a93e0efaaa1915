import { Processor } from '@nestjs/bullmq';
import { Inject } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import type { PipelineJob } from '@app/contracts';
import { PipelineProcessor, PipelineService } from '@app/pipeline';
import { QueueNames } from '@app/queue';
import { WritebackService } from './writeback.service.js';

@Processor(QueueNames.writeback)
export class WritebackProcessor extends PipelineProcessor {
  constructor(pipeline: PipelineService, @Inject(APP_CONFIG) config: AppConfig, private readonly writeback: WritebackService) {
    super(pipeline, config.queue.concurrency);
  }

  protected handle(job: PipelineJob) {
    return this.writeback.run(job);
  }
}
