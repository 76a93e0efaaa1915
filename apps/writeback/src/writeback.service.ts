import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import path from 'node:path';
import { APP_CONFIG, RoutesRegistry, type AppConfig } from '@app/config';
import { FolderOutbox, renderResultXml, resolveWritebackMapping } from '@app/connectors';
import {
  DigitalSourceType,
  PermanentError,
  type AiLabel,
  type PipelineJob,
  type Route,
  type SoapWritebackConfig,
  type StepResult,
  type WritebackRecord,
} from '@app/contracts';
import { DocumentStore } from '@app/documents';
import type { StepOutcome } from '@app/pipeline';
import { SoapCaller } from '@app/soap';

/** One label for everything written back in one call: every provider and model that contributed. */
export function combinedLabel(results: StepResult[]): AiLabel {
  const unique = (values: string[]) => [...new Set(values)].join(', ');
  const trained = results.some((r) => r.label.digitalSourceType !== DigitalSourceType.algorithmicMedia);
  return {
    aiGenerated: true,
    digitalSourceType: trained ? DigitalSourceType.trainedAlgorithmicMedia : DigitalSourceType.algorithmicMedia,
    provider: unique(results.map((r) => r.label.provider)),
    model: unique(results.map((r) => r.label.model)),
    generatedAt: results.map((r) => r.label.generatedAt).sort().at(-1) ?? new Date().toISOString(),
    reviewState: results.every((r) => r.label.reviewState === 'approved') && results.length > 0 ? 'approved' : 'unreviewed',
  };
}

/** Writes a document's results back the way its route says, at most once per document. */
@Injectable()
export class WritebackService implements OnApplicationShutdown {
  private readonly outbox: FolderOutbox;
  private readonly callers = new Map<string, Promise<SoapCaller>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly routes: RoutesRegistry,
    private readonly store: DocumentStore,
  ) {
    this.outbox = new FolderOutbox(config.paths.outbox);
  }

  async run(job: PipelineJob): Promise<StepOutcome> {
    const already = await this.store.getWriteback(job.documentId);
    if (already) return { skipped: true, detail: `already written to ${already.location}` };

    const route = this.routes.get(job.routeId);
    const document = await this.store.getDocument(job.documentId);
    if (!document) throw new PermanentError(`document ${job.documentId} is not in the store (expired?)`, 'no-document');
    const byStep = await this.store.getResults(job.documentId);
    const results = route.steps.map((s) => byStep[s.id]).filter((r): r is StepResult => r !== undefined);

    const location =
      route.writeback.type === 'folder'
        ? await this.outbox.write(route.id, `${document.id}.xml`, renderResultXml({ document, results, routeId: route.id, writtenAt: new Date().toISOString() }))
        : await this.callLegacy(route, route.writeback, { document, results: byStep, label: combinedLabel(results), route: { id: route.id } });

    const record: WritebackRecord = { target: route.writeback.type, state: 'done', at: new Date().toISOString(), location };
    await this.store.recordWriteback(job.documentId, record);
    return { detail: `${route.writeback.type}: ${route.writeback.type === 'folder' ? path.basename(location) : location}` };
  }

  private async callLegacy(route: Route, target: SoapWritebackConfig, context: Parameters<typeof resolveWritebackMapping>[1]): Promise<string> {
    let caller = this.callers.get(route.id);
    if (!caller) {
      caller = SoapCaller.create({
        wsdlPath: path.resolve(path.dirname(this.config.paths.routesFile), target.wsdl),
        endpoint: target.endpoint,
        soapVersion: target.soapVersion,
        timeoutMs: target.timeoutMs,
      });
      this.callers.set(route.id, caller);
      // A failed load (WSDL unreadable, server away) is tried again on the next job, not cached.
      caller.catch(() => this.callers.delete(route.id));
    }
    const client = await caller;
    await client.call(target.operation, resolveWritebackMapping(target.mapping, context));
    return `${client.endpoint}#${target.operation}`;
  }

  onApplicationShutdown(): void {
    this.callers.clear();
  }
}
