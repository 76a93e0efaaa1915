import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { defaultJobOptions } from './job.options.js';
import { ALL_QUEUES } from './queue.names.js';
import { redisOptionsFromUrl } from './redis.connection.js';

/** Registers the BullMQ connection and every queue once, for whichever apps run in this process. */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        connection: redisOptionsFromUrl(config.redis.url),
        prefix: config.queue.prefix,
        defaultJobOptions: defaultJobOptions(config.queue),
      }),
    }),
    BullModule.registerQueue(...ALL_QUEUES.map((name) => ({ name }))),
  ],
  exports: [BullModule],
})
export class QueueModule {}
