import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, RoutesRegistry, type AppConfig } from '@app/config';
import { FolderInbox } from '@app/connectors';
import { publicBaseUrl } from '@app/runtime';
import { IntakeService } from '../intake/intake.service.js';

/** The drop-folder way in: one inbox folder per route that accepts `folder`. */
@Injectable()
export class FolderIntakeService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(FolderIntakeService.name);
  private inbox?: FolderInbox;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly routes: RoutesRegistry,
    private readonly intake: IntakeService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const routes = this.routes.folderRoutes().map((r) => r.id);
    if (routes.length === 0) return;
    this.inbox = new FolderInbox({
      root: this.config.paths.inbox,
      routes,
      pollIntervalMs: this.config.folder.pollMs,
      stableForMs: this.config.folder.stableMs,
      handler: async (file) => {
        const receipt = await this.intake.submit(
          { routeId: file.routeId, channel: 'folder', body: file.content, filename: file.filename },
          publicBaseUrl(this.config, this.config.http.port),
        );
        this.logger.log(`${file.routeId}/${file.filename} taken in as ${receipt.documentId}${receipt.duplicate ? ' (duplicate)' : ''}`);
      },
      onEvent: (event) => {
        if (event.type === 'failed') this.logger.warn(`${event.routeId}/${event.filename} refused: ${event.reason}`);
        if (event.type === 'requeued') this.logger.warn(`${event.routeId}/${event.filename} left for a later try: ${event.reason}`);
      },
      onError: (error) => this.logger.error(`drop folder scan failed: ${(error as Error).message}`),
    });
    await this.inbox.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.inbox?.stop();
  }
}
