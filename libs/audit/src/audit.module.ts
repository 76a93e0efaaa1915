import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { AuditLog } from './audit.log.js';
import type { AuditLogOptions } from './audit.types.js';

export interface AuditModuleOptions extends AuditLogOptions {
  /** `sqlite:<path>`, a file path, `:memory:` or `postgres://…` */
  url: string;
  /** Register once in the root module and inject AuditLog everywhere. Default true. */
  isGlobal?: boolean;
}

/**
 * Provides one opened AuditLog (the class is the injection token). Opening happens in an async
 * factory, so the application does not start when the database is unreachable.
 */
@Module({})
export class AuditModule implements OnApplicationShutdown {
  constructor(@Inject(AuditLog) private readonly log: AuditLog) {}

  static forRoot(options: AuditModuleOptions): DynamicModule {
    const { url, isGlobal = true, ...logOptions } = options;
    return {
      module: AuditModule,
      global: isGlobal,
      providers: [{ provide: AuditLog, useFactory: () => AuditLog.open(url, logOptions) }],
      exports: [AuditLog],
    };
  }

  /**
   * The last shutdown hook, not onModuleDestroy: workers that drain their jobs while the app stops
   * still need to write their entries.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.log.close();
  }
}
