import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule, type Params } from 'nestjs-pino';
import { AuditModule } from '@app/audit';
import { ConfigModule, type AppConfig } from '@app/config';
import { DocumentsModule } from '@app/documents';
import { PipelineModule } from '@app/pipeline';
import { QueueModule } from '@app/queue';
import { HealthController } from './health.controller.js';

/** The logging set-up for a level. */
export function loggerParams(level: AppConfig['logLevel']): Params {
  return {
    pinoHttp: {
      level,
      // Request lines would carry document ids at best and personal data at worst: log events, not traffic.
      autoLogging: false,
      redact: ['req.headers.authorization', 'req.headers.cookie'],
    },
    // At level silent no line is ever written: pino-http, which makes a request-scoped logger for
    // every request, is mounted on no route at all.
    ...(level === 'silent' ? { forRoutes: [] } : {}),
  };
}

/**
 * What every app shares, set up once per process whichever apps run in it: configuration, logging,
 * queues, the document store, the audit log, pipeline bookkeeping and health checks.
 */
@Module({})
export class RuntimeModule {
  static forRoot(config: AppConfig, apps: Type[]): DynamicModule {
    return {
      module: RuntimeModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerParams(config.logLevel)),
        QueueModule,
        DocumentsModule,
        AuditModule.forRoot({ url: config.auditDatabaseUrl }),
        PipelineModule,
        TerminusModule,
        ...apps,
      ],
      controllers: [HealthController],
    };
  }
}
