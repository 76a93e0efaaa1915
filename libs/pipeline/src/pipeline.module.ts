import { Global, Module } from '@nestjs/common';
import { ClientsModule, Transport } from '@nestjs/microservices';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { DocumentEventsPublisher, EVENTS_CLIENT, eventsTransportOptions } from './document-events.publisher.js';
import { PipelineService } from './pipeline.service.js';

@Global()
@Module({
  imports: [
    ClientsModule.registerAsync([
      {
        name: EVENTS_CLIENT,
        inject: [APP_CONFIG],
        useFactory: (config: AppConfig) => ({ transport: Transport.REDIS, options: eventsTransportOptions(config.redis.url) }),
      },
    ]),
  ],
  providers: [PipelineService, DocumentEventsPublisher],
  exports: [PipelineService, DocumentEventsPublisher],
})
export class PipelineModule {}
