import { InjectQueue } from '@nestjs/bullmq';
import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { DOCUMENTS_REDIS } from '@app/documents';
import { QueueNames } from '@app/queue';

const CHECK_TIMEOUT_MS = 1500;

/** Liveness says the process runs; readiness that it can take work: Redis answers and the queues are reachable. */
@Controller('health')
export class HealthController {
  private readonly queues: Queue[];

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(DOCUMENTS_REDIS) private readonly redis: Redis,
    @InjectQueue(QueueNames.intake) intake: Queue,
    @InjectQueue(QueueNames.ai) ai: Queue,
    @InjectQueue(QueueNames.writeback) writeback: Queue,
    @InjectQueue(QueueNames.deadLetter) deadLetter: Queue,
  ) {
    this.queues = [intake, ai, writeback, deadLetter];
  }

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([() => this.indicators.check('process').up({ uptimeSeconds: Math.round(process.uptime()) })]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () =>
        this.indicators
          .check('redis')
          .attempt(async () => {
            if ((await this.redis.ping()) !== 'PONG') throw new Error('unexpected answer to PING');
          })
          .withTimeout(CHECK_TIMEOUT_MS),
      ...this.queues.map(
        (queue) => () =>
          this.indicators
            .check(`queue:${queue.name}`)
            .attempt(async () => ({ ...(await queue.getJobCounts('waiting', 'active', 'delayed', 'failed')) }))
            .withTimeout(CHECK_TIMEOUT_MS),
      ),
    ]);
  }
}
