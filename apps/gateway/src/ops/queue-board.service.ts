import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Application } from 'express';
import { PipelineService } from '@app/pipeline';
import { ALL_QUEUES } from '@app/queue';

export const QUEUE_BOARD_PATH = '/ops/queues';

/**
 * Bull Board over every queue. Mounted on Express directly: @bull-board/nestjs is CommonJS and requires
 * @nestjs/common, which Nest 12 ships only as an ES module, so the gateway could not be loaded in-process by
 * Jest on Node 20. The loopback restriction of /ops applies (see the bootstrap).
 */
@Injectable()
export class QueueBoardService implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly pipeline: PipelineService,
  ) {}

  onModuleInit(): void {
    const serverAdapter = new ExpressAdapter().setBasePath(QUEUE_BOARD_PATH);
    createBullBoard({ queues: ALL_QUEUES.map((name) => new BullMQAdapter(this.pipeline.queue(name))), serverAdapter });
    this.adapterHost.httpAdapter.getInstance<Application>().use(QUEUE_BOARD_PATH, serverAdapter.getRouter());
  }
}
