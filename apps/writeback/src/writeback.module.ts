import { Module } from '@nestjs/common';
import type { AppConfig } from '@app/config';
import { connectorRegistry, ConnectorRegistry } from '@app/connectors';
import { WritebackProcessor } from './writeback.processor.js';
import { WritebackService } from './writeback.service.js';

/** Write-back: turns results into what the legacy system takes (a result file, a SOAP call). */
@Module({
  providers: [WritebackService, WritebackProcessor, { provide: ConnectorRegistry, useValue: connectorRegistry }],
})
export class WritebackModule {}

export const writebackApp = {
  name: 'writeback',
  module: WritebackModule,
  describe: (config: AppConfig) =>
    config.routes.map((route) =>
      route.writeback.type === 'folder'
        ? `  Outbox ${route.id}:${' '.repeat(Math.max(1, 10 - route.id.length))}${config.paths.outbox}/${route.id}/`
        : route.writeback.type === 'soap'
          ? `  Write-back ${route.id}: SOAP ${route.writeback.operation} (${route.writeback.endpoint ?? route.writeback.wsdl})`
          : `  Write-back ${route.id}: connector ${route.writeback.connector}`,
    ),
};
