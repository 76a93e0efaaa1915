import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import path from 'node:path';
import { APP_CONFIG, RoutesRegistry, type AppConfig } from '@app/config';
import {
  ConnectorRegistry,
  FolderOutbox,
  renderResultXml,
  resolveWritebackMapping,
  type AnyConnector,
  type ConnectorResult,
  type OutboundMessage,
} from '@app/connectors';
import {
  DigitalSourceType,
  PermanentError,
  type AiLabel,
  type CanonicalDocument,
  type ConnectorRef,
  type ConnectorWritebackConfig,
  type PipelineJob,
  type Route,
  type SoapWritebackConfig,
  type StepResult,
  type WritebackRecord,
} from '@app/contracts';
import { DocumentStore } from '@app/documents';
import type { StepOutcome } from '@app/pipeline';
import { connectorContextFor } from '@app/runtime';
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
  private readonly logger = new Logger(WritebackService.name);
  private readonly outbox: FolderOutbox;
  private readonly callers = new Map<string, Promise<SoapCaller>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly routes: RoutesRegistry,
    private readonly store: DocumentStore,
    private readonly connectors: ConnectorRegistry,
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

    const target = route.writeback;
    const writtenAt = new Date().toISOString();
    let location: string;
    let shown: string;
    if (target.type === 'soap') {
      location = shown = await this.callLegacy(route, target, { document, results: byStep, label: combinedLabel(results), route: { id: route.id } });
    } else if (target.type === 'folder') {
      // The route's connector builds the outbox file when it can (fromResult), else the generic result XML.
      const message = await this.resultMessage(route, this.builders(route), document, results, writtenAt);
      location = await this.outbox.write(route.id, message.filename, message.body);
      shown = path.basename(location);
    } else {
      [location, shown] = await this.viaConnector(route, target, document, results, writtenAt);
    }

    const targetName = target.type === 'connector' ? target.connector : target.type;
    const record: WritebackRecord = { target: targetName, state: 'done', at: new Date().toISOString(), location };
    await this.store.recordWriteback(job.documentId, record);
    return { detail: `${targetName}: ${shown}` };
  }

  /**
   * Write-back by a connector: the message is built by its fromResult, else the route's connector's, else it
   * is the generic result XML; then its send delivers it (a connector without send writes it to the outbox).
   * Errors keep their kind: RetryableError is retried, PermanentError fails the step at once.
   */
  private async viaConnector(route: Route, target: ConnectorWritebackConfig, document: CanonicalDocument, results: StepResult[], writtenAt: string): Promise<[string, string]> {
    const connector = this.connectors.get(target.connector);
    const builders = [{ connector, ref: target as ConnectorRef }, ...this.builders(route)];
    const result = await this.connectorResult(route, document, writtenAt);
    const message = await this.resultMessage(route, builders, document, results, writtenAt, result);
    if (!connector.send) {
      const location = await this.outbox.write(route.id, message.filename, message.body);
      return [location, path.basename(location)];
    }
    const receipt = await connector.send(message, result, connectorContextFor(this.config, route, target, this.logger));
    // Sent: nothing may fail between here and the record, or a retry would send it again.
    const location = typeof receipt?.location === 'string' && receipt.location !== '' ? receipt.location : `${connector.name}:${message.filename}`;
    return [location, location];
  }

  /** The route's own connector, when it builds result messages. */
  private builders(route: Route): Array<{ connector: AnyConnector; ref: ConnectorRef }> {
    return route.connector ? [{ connector: this.connectors.get(route.connector.connector), ref: route.connector }] : [];
  }

  private async resultMessage(
    route: Route,
    builders: Array<{ connector: AnyConnector; ref: ConnectorRef }>,
    document: CanonicalDocument,
    results: StepResult[],
    writtenAt: string,
    known?: ConnectorResult,
  ): Promise<OutboundMessage> {
    const builder = builders.find((candidate) => candidate.connector.fromResult);
    if (builder) {
      const result = known ?? (await this.connectorResult(route, document, writtenAt));
      return builder.connector.fromResult!(result, connectorContextFor(this.config, route, builder.ref, this.logger));
    }
    const xml = renderResultXml({ document, results, routeId: route.id, writtenAt });
    return { body: Buffer.from(xml, 'utf8'), mediaType: 'application/xml', filename: `${document.id}.xml` };
  }

  private async connectorResult(route: Route, document: CanonicalDocument, writtenAt: string): Promise<ConnectorResult> {
    const plan = ['intake', ...route.steps.map((step) => step.id), 'writeback'];
    const [status, body] = await Promise.all([this.store.getStatus(document.id, plan), this.store.getBody(document.id)]);
    if (!status || !body) throw new PermanentError(`document ${document.id} has no ${status ? 'body' : 'status'} in the store (expired?)`, 'no-document');
    return { document, status, body, writtenAt };
  }


  private async callLegacy(route: Route, target: SoapWritebackConfig, context: Parameters<typeof resolveWritebackMapping>[1]): Promise<string> {
    let caller = this.callers.get(route.id);
    if (!caller) {
      caller = SoapCaller.create({
        wsdlPath: path.resolve(path.dirname(this.config.paths.routesFile), target.wsdl),
        endpoint: target.endpoint,
        soapVersion: target.soapVersion,
        timeoutMs: target.timeoutMs,
        // UsernameToken and client certificate, secrets resolved from the environment by libs/config.
        ...this.config.security.soapClients[route.id],
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
