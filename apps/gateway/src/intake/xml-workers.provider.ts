import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { SOAP_XML_WORKER_FILE, SOAP_XML_WORKER_TASKS } from '@app/soap';
import { XmlWorkerPool } from '@app/xml';

/**
 * The gateway's XML worker threads (XML_WORKERS), shared by the SOAP endpoints (envelopes) and intake
 * (documents), so that the thread serving HTTP and Redis parses neither.
 */
@Injectable()
export class XmlWorkers implements OnModuleDestroy {
  private readonly logger = new Logger(XmlWorkers.name);
  readonly pool: XmlWorkerPool;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.pool = new XmlWorkerPool({
      size: config.xml.workers,
      timeoutMs: config.xml.timeoutMs,
      workerFile: SOAP_XML_WORKER_FILE,
      tasks: SOAP_XML_WORKER_TASKS,
      onProblem: (message) => this.logger.warn(message),
    });
    if (config.xml.workers > 0 && this.pool.mode === 'in-process') this.logger.log(`XML is read in-process: ${this.pool.reason}`);
  }

  /** Work still arriving after this is done in-process. */
  async onModuleDestroy(): Promise<void> {
    await this.pool.close();
  }
}
