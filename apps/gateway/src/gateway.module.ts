import { Inject, Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { connectorRegistry, ConnectorRegistry, resolveRouteLimits } from '@app/connectors';
import { DocumentEventsController } from './events/document-events.controller.js';
import { FolderIntakeService } from './folder/folder-intake.service.js';
import { IntakeProcessor } from './intake/intake.processor.js';
import { IntakeService } from './intake/intake.service.js';
import { XmlWorkers } from './intake/xml-workers.provider.js';
import { OpsController } from './ops/ops.controller.js';
import { QUEUE_BOARD_PATH, QueueBoardService } from './ops/queue-board.service.js';
import { apiBodyParsers } from './rest/api-body.parsers.js';
import { DocumentsController } from './rest/documents.controller.js';
import { SoapIngressService, SOAP_PATHS } from './soap/soap-ingress.service.js';
import { SourceRunnerService } from './sources/source-runner.service.js';
import { AiLimitsController } from './status/ai-limits.controller.js';
import { DocumentStatusService } from './status/document-status.service.js';

/** The gateway: every way in (SOAP, REST, drop folder), the status API and the operators' view. */
@Module({
  controllers: [DocumentsController, AiLimitsController, OpsController, DocumentEventsController],
  providers: [
    XmlWorkers,
    IntakeService,
    IntakeProcessor,
    DocumentStatusService,
    SoapIngressService,
    FolderIntakeService,
    QueueBoardService,
    SourceRunnerService,
    { provide: ConnectorRegistry, useValue: connectorRegistry },
  ],
})
export class GatewayModule implements NestModule {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  configure(consumer: MiddlewareConsumer): void {
    // Bodies are read only for the REST API; the SOAP endpoints read and check their own.
    // A route may allow more than MAX_BODY_BYTES (limits.maxBodyBytes); intake holds each route to its own limit.
    const largest = Math.max(this.config.limits.maxBodyBytes, ...this.config.routes.map((route) => resolveRouteLimits(route, 0).maxBytes));
    consumer.apply(apiBodyParsers(largest)).forRoutes('api/*path');
  }
}

export const gatewayApp = {
  name: 'gateway',
  module: GatewayModule,
  describe: (config: AppConfig, baseUrl: string) => [
    `  SOAP 1.1:         ${baseUrl}${SOAP_PATHS['1.1'].path}   WSDL: ${baseUrl}${SOAP_PATHS['1.1'].path}?wsdl`,
    `  SOAP 1.2:         ${baseUrl}${SOAP_PATHS['1.2'].path}`,
    `  REST:             POST ${baseUrl}/api/v1/documents?route=<route>`,
    `  Status:           GET  ${baseUrl}/api/v1/documents/<documentId>`,
    `  Routes, AI:       GET  ${baseUrl}/api/v1/routes   ${baseUrl}/api/v1/providers   (limits, token budgets)`,
    `  Queues (ops):     ${baseUrl}${QUEUE_BOARD_PATH}   metrics: ${baseUrl}/ops/metrics   (loopback only)`,
    ...config.routes.filter((r) => r.accept.includes('folder')).map((r) => `  Inbox ${r.id}:${' '.repeat(Math.max(1, 11 - r.id.length))}${config.paths.inbox}/${r.id}/`),
    ...config.routes.flatMap((r) => (r.sources ?? []).map((s) => `  Source ${r.id}:${' '.repeat(Math.max(1, 10 - r.id.length))}${s.connector}`)),
  ],
};
