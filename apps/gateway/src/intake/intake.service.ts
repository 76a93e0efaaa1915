import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditLog } from '@app/audit';
import path from 'node:path';
import { APP_CONFIG, resolvePath, RoutesRegistry, type AppConfig } from '@app/config';
import {
  ConnectorRegistry,
  resolveRouteLimits,
  xmlLimitsOf,
  type ConnectorDocument,
  type ConnectorLimits,
  type ConnectorSpec,
} from '@app/connectors';
import {
  DocumentEvents,
  EMBEDDED_PROVIDER,
  InputError,
  UnavailableError,
  type BuiltInChannel,
  type CanonicalDocument,
  type Channel,
  type ConnectorRef,
  type DocumentKind,
  type PipelineJob,
  type Receipt,
  type Route,
} from '@app/contracts';
import { deriveDocumentId, DocumentStore, sha256Hex } from '@app/documents';
import { AiUsageStore, DocumentEventsPublisher, PipelineService, type BudgetState, type StepOutcome } from '@app/pipeline';
import { Steps } from '@app/queue';
import { connectorContextFor, contractsDir } from '@app/runtime';
import { reviveXmlWorkerError, type XmlIntakeOptions, type XmlIntakeResult, type XmlIntakeValidation, type XmlWorkerError, type XsdValidationIssue } from '@app/xml';
import { documentMetrics } from '../events/document.metrics.js';
import { XmlWorkers } from './xml-workers.provider.js';

/** A document as it arrives over any way in, before it becomes canonical. */
export interface Submission {
  routeId: string;
  channel: Channel;
  body: Buffer;
  contentType?: string;
  filename?: string;
  correlationId?: string;
  /** Addressing facts of the source connector that fetched it (sender, message id), kept for the reply. */
  transport?: CanonicalDocument['transport'];
  /**
   * The built-in XML reading of this body, done already with the options prereadOptions gives for its
   * route (the SOAP envelope reader reads the document it carries on the same worker thread). Used
   * instead of reading the body again, at the point where it would have been read.
   */
  preread?: PrereadXml;
}

/** What readXmlForIntake gave for a submission's body, or the error it threw (as plain data). */
export interface PrereadXml {
  routeId: string;
  read?: XmlIntakeResult;
  error?: XmlWorkerError;
}

const XML_TYPE = /^(application|text)\/([\w.+-]+\+)?xml$/i;
const CORRELATION_ID = /^[\x21-\x7e]{1,200}$/;
const MAX_REPORTED_SCHEMA_ERRORS = 20;

function mediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]!.trim().toLowerCase() || undefined;
}

function extensionOf(filename: string | undefined): string | undefined {
  return filename?.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1];
}

/**
 * What a route with a connector takes in: what kindOf takes, and the media types and file extensions the
 * connector `accepts` (a ZIP container, say). Everything else is refused with 415 before the connector sees it.
 */
export function admitForConnector(contentType: string | undefined, filename: string | undefined, accepts: ConnectorSpec<unknown, unknown>['accepts'] = {}): void {
  const type = mediaType(contentType);
  const types = (accepts.mediaTypes ?? []).map((t) => t.toLowerCase());
  const extensions = (accepts.extensions ?? []).map((e) => e.toLowerCase().replace(/^\./, ''));
  if (type && type !== 'application/octet-stream') {
    if (XML_TYPE.test(type) || type === 'text/plain' || types.includes(type)) return;
    const also = types.length > 0 ? `, ${types.join(', ')}` : '';
    throw new InputError(`content type ${type} is not supported on this route; send XML (application/xml), plain text (text/plain)${also}`, 'unsupported-content-type', 415);
  }
  const extension = extensionOf(filename);
  if (extension && !['xml', 'txt', ...extensions].includes(extension)) {
    throw new InputError(`files of type .${extension} are not supported on this route; drop ${['xml', 'txt', ...extensions].map((e) => `.${e}`).join(', ')} files`, 'unsupported-content-type', 415);
  }
}

/** XML or text, from the declared type, then the file name, then the first byte. */
export function kindOf(body: Buffer, contentType?: string, filename?: string): DocumentKind {
  const type = mediaType(contentType);
  if (type && XML_TYPE.test(type)) return 'xml';
  if (type === 'text/plain') return 'text';
  if (type && type !== 'application/octet-stream') {
    throw new InputError(`content type ${type} is not supported; send XML (application/xml) or plain text (text/plain)`, 'unsupported-content-type', 415);
  }
  const extension = extensionOf(filename);
  if (extension === 'xml') return 'xml';
  if (extension === 'txt') return 'text';
  if (extension) throw new InputError(`files of type .${extension} are not supported; drop .xml or .txt files`, 'unsupported-content-type', 415);
  const start = body.subarray(0, 64).toString('latin1').replace(/^(\xef\xbb\xbf|\xfe\xff|\xff\xfe)/, '').trimStart();
  return start.startsWith('<') ? 'xml' : 'text';
}

/** What reading a message gives, by a connector or the built-in XML and text reading. */
type ReadDocument = Omit<ConnectorDocument, 'text'> & { text: string };

function defaultMediaType(kind: DocumentKind): string {
  return kind === 'xml' ? 'application/xml' : kind === 'text' ? 'text/plain' : 'application/octet-stream';
}

function decodeText(body: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new InputError('plain text must be UTF-8; this body is not', 'encoding');
  }
}

/**
 * Takes documents in from every channel the same way: check, make canonical, store, enqueue.
 * Everything that can be wrong with the input is found here, before anything is enqueued.
 */
@Injectable()
export class IntakeService {
  private readonly logger = new Logger(IntakeService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly routes: RoutesRegistry,
    private readonly store: DocumentStore,
    private readonly pipeline: PipelineService,
    private readonly audit: AuditLog,
    private readonly events: DocumentEventsPublisher,
    private readonly connectors: ConnectorRegistry,
    private readonly usage: AiUsageStore,
    /** The built-in XML reading (inspection, XSD check, text) runs on these threads, off the thread that serves HTTP. */
    private readonly xmlWorkers: XmlWorkers,
  ) {}

  /** PUBLIC_BASE_URL wins over the address the caller used (behind a reverse proxy they differ). */
  statusUrl(baseUrl: string, documentId: string): string {
    return `${this.config.http.publicBaseUrl ?? baseUrl}/api/v1/documents/${documentId}`;
  }

  async submit(submission: Submission, baseUrl: string): Promise<Receipt> {
    try {
      return await this.accept(submission, baseUrl);
    } catch (error) {
      if (error instanceof InputError) await this.auditRefusal(submission, error);
      throw error;
    }
  }

  private async accept(submission: Submission, baseUrl: string): Promise<Receipt> {
    const route = this.routes.forChannel(submission.routeId, submission.channel);
    await this.assertBudgetLeft(route);
    const { body } = submission;
    const limits = resolveRouteLimits(route, this.config.limits.maxBodyBytes);
    if (body.length === 0) throw new InputError('the document is empty', 'empty');
    if (body.length > limits.maxBytes) throw new InputError(`the document has ${body.length} bytes; route "${route.id}" takes at most ${limits.maxBytes}`, 'too-large', 413);
    if (submission.correlationId !== undefined && !CORRELATION_ID.test(submission.correlationId)) {
      throw new InputError('correlationId must be 1 to 200 printable ASCII characters without spaces', 'bad-correlation-id');
    }

    const read = route.connector
      ? await this.readWithConnector(route, route.connector, submission, { validate: true })
      : await this.readBuiltIn(route, submission, limits, { validate: true });
    if (read.text.trim() === '') throw new InputError('the document holds no text to work on', 'no-text');

    const sha256 = sha256Hex(body);
    const xoev = read.xoev;
    const document: CanonicalDocument = {
      id: deriveDocumentId(route.id, { correlationId: submission.correlationId, processId: xoev?.processId, messageTypeCode: xoev?.messageTypeCode, sha256 }),
      routeId: route.id,
      correlationId: submission.correlationId,
      channel: submission.channel,
      kind: read.kind,
      contentType: mediaType(submission.contentType) ?? defaultMediaType(read.kind),
      filename: submission.filename,
      sizeBytes: body.length,
      sha256,
      receivedAt: new Date().toISOString(),
      rootElement: read.rootElement,
      xoev,
    };
    if (route.connector) document.connector = route.connector.connector;
    if (read.fields && Object.keys(read.fields).length > 0) document.fields = read.fields;
    if (read.parts && read.parts.length > 0) document.parts = read.parts;
    if (read.warnings && read.warnings.length > 0) document.warnings = read.warnings;
    if (submission.transport) document.transport = submission.transport;

    // The text goes with the document in one call; a document taken in before keeps its own.
    const created = await this.store.create(document, body, read.text);
    if (!created.created) {
      if (created.existing.sha256 !== sha256) {
        throw new InputError(
          `document ${document.id} was taken in before with other content (same ${submission.correlationId ? 'correlationId' : 'XÖV ProzessID and message type'}); use a new one for a new document`,
          'conflict',
          409,
        );
      }
      const status = await this.store.getStatus(document.id);
      // The first delivery may have been answered 503 after the store but before the queue: finish it now.
      if (status?.state === 'accepted') await this.pipeline.enqueue({ documentId: document.id, routeId: route.id, step: Steps.intake });
      return { documentId: document.id, status: status?.state ?? 'accepted', routeId: route.id, correlationId: submission.correlationId, duplicate: true, statusUrl: this.statusUrl(baseUrl, document.id) };
    }

    await this.audit.append({ documentId: document.id, routeId: route.id, step: Steps.intake, outcome: 'accepted', detail: describe(document) });
    await this.pipeline.enqueue({ documentId: document.id, routeId: route.id, step: Steps.intake });
    this.events.publish(DocumentEvents.accepted, { documentId: document.id, routeId: route.id, state: 'accepted' });
    documentMetrics.accepted.inc({ route: route.id, step: Steps.intake });
    return { documentId: document.id, status: 'accepted', routeId: route.id, correlationId: submission.correlationId, duplicate: false, statusUrl: this.statusUrl(baseUrl, document.id) };
  }

  /** The built-in reading: XML (hardened, within the route's limits, XSD-checked as the route says) or UTF-8 text. */
  private async readBuiltIn(route: Route, submission: Pick<Submission, 'body' | 'contentType' | 'filename' | 'preread'>, limits: ConnectorLimits, how: { validate: boolean }): Promise<ReadDocument> {
    const { body } = submission;
    const kind = kindOf(body, submission.contentType, submission.filename);
    if (kind !== 'xml') return { kind, text: decodeText(body) };
    const preread = how.validate && submission.preread?.routeId === route.id ? submission.preread : undefined;
    if (preread?.error) throw reviveXmlWorkerError(preread.error);
    const read = preread?.read ?? (await this.xmlWorkers.pool.read(body, this.xmlReadOptions(route, limits, how)));
    if (read.validation && !read.validation.valid) throw schemaInvalid(read.validation.errors);
    return { kind, text: read.text, rootElement: read.rootElement, xoev: read.xoev, warnings: read.warnings };
  }

  /** The route's connector reads the message: parse, validate (at intake only), toDocument. Its InputErrors refuse the document. */
  private async readWithConnector(route: Route, ref: ConnectorRef, submission: Pick<Submission, 'body' | 'contentType' | 'filename'>, how: { validate: boolean }): Promise<ReadDocument> {
    const connector = this.connectors.get(ref.connector);
    admitForConnector(submission.contentType, submission.filename, connector.accepts);
    const ctx = connectorContextFor(this.config, route, ref, this.logger);
    const input = { body: submission.body, mediaType: mediaType(submission.contentType), filename: submission.filename };
    const parsed = await connector.parse!(input, ctx);
    if (how.validate) await connector.validate?.(parsed, ctx);
    const read = await connector.toDocument!(parsed, ctx);
    if (typeof read?.text !== 'string') throw new Error(`connector "${connector.name}" gave a document without text`);
    return read;
  }


  /** How the built-in reading reads a route's XML: its limits, and at intake its XSD check. */
  private xmlReadOptions(route: Route, limits: ConnectorLimits, how: { validate: boolean }): XmlIntakeOptions {
    return { limits: xmlLimitsOf(limits), validation: how.validate ? this.validationOf(route) : { kind: 'none' } };
  }

  /**
   * The intake reading options of every route that reads XML over this channel itself (no connector),
   * by route id: what a reader that reads the document ahead of intake (see Submission.preread) needs.
   */
  prereadOptions(channel: BuiltInChannel): Record<string, XmlIntakeOptions> {
    const options: Record<string, XmlIntakeOptions> = {};
    for (const route of this.routes.all()) {
      if (route.connector || !route.accept.includes(channel)) continue;
      options[route.id] = this.xmlReadOptions(route, resolveRouteLimits(route, this.config.limits.maxBodyBytes), { validate: true });
    }
    return options;
  }

  /** The route's XSD check. */
  private validationOf(route: Route): XmlIntakeValidation {
    if (route.validation === 'none') return { kind: 'none' };
    if (route.validation === 'catalogue') return { kind: 'catalogue', catalogueRoot: contractsDir() };
    return { kind: 'schema', schemaPath: resolvePath(path.dirname(this.config.paths.routesFile), route.validation.schema) };
  }

  /**
   * A route whose tokens for the day are spent takes no new documents (they would only wait): the sender
   * hears so at once, with the time the next budget starts. Routes that run only in-process have no budget.
   */
  private async assertBudgetLeft(route: Route): Promise<void> {
    if (route.tokenBudgetPerDay === undefined) return;
    if (!route.steps.some((step) => [step.provider, ...(step.fallbackProviders ?? [])].some((p) => p !== EMBEDDED_PROVIDER))) return;
    let budget: BudgetState;
    try {
      budget = await this.usage.budget(route.id, route.tokenBudgetPerDay);
    } catch (error) {
      throw new UnavailableError(`token budget of route "${route.id}": ${(error as Error).message}`, { cause: error });
    }
    if (budget.remaining > 0) return;
    throw new InputError(
      `route "${route.id}" has used its ${budget.tokensPerDay} AI tokens for ${budget.day}; it takes documents again from ${budget.resetsAt}`,
      'token-budget-spent',
      429,
      Date.parse(budget.resetsAt),
    );
  }

  /**
   * The intake job: makes sure the document and its text are there (re-deriving the text if a crash
   * came between storing the body and the text) and hands it to the route's first step.
   */
  async admit(job: PipelineJob): Promise<StepOutcome> {
    const document = await this.store.getDocument(job.documentId);
    if (!document) throw new InputError(`document ${job.documentId} is not in the store (expired?)`, 'no-document');
    if ((await this.store.getText(job.documentId)) === undefined) {
      const body = await this.store.getBody(job.documentId);
      if (!body) throw new InputError(`document ${job.documentId} has no body`, 'no-body');
      const route = this.routes.get(document.routeId);
      // Read the way it was read at intake; it passed validation then.
      const submission = { body, contentType: document.contentType, filename: document.filename };
      const read = route.connector
        ? await this.readWithConnector(route, route.connector, submission, { validate: false })
        : await this.readBuiltIn(route, submission, resolveRouteLimits(route, this.config.limits.maxBodyBytes), { validate: false });
      await this.store.setText(job.documentId, read.text);
    }
    return { detail: describe(document) };
  }

  private async auditRefusal(submission: Submission, error: InputError): Promise<void> {
    try {
      await this.audit.append({
        documentId: 'none',
        routeId: submission.routeId.slice(0, 63),
        step: Steps.intake,
        outcome: 'refused',
        detail: `${submission.channel}: ${error.code}: ${error.message}`,
      });
    } catch (auditError) {
      this.logger.error(`refusal not audited: ${(auditError as Error).message}`);
    }
  }
}

/** A schema-invalid document is refused with every error's line and column. */
function schemaInvalid(errors: readonly XsdValidationIssue[]): InputError {
  const shown = errors.slice(0, MAX_REPORTED_SCHEMA_ERRORS).map((e) => `line ${e.line}, column ${e.column}: ${e.message.trim()}`);
  const more = errors.length > shown.length ? `; and ${errors.length - shown.length} more` : '';
  return new InputError(`the document is not valid against its schema: ${shown.join('; ')}${more}`, 'schema-invalid', 422);
}

/** Facts for the audit trail: what came in, never its content. */
function describe(document: CanonicalDocument): string {
  const xoev = document.xoev;
  const facts = [`${document.channel}`, `${document.kind}`, `${document.sizeBytes} bytes`, `sha256 ${document.sha256.slice(0, 16)}`];
  if (document.connector) facts.push(`read by ${document.connector}`);
  if (xoev) facts.push(`${xoev.standard} ${xoev.version} ${xoev.messageTypeCode ?? '?'}`, `ProzessID ${xoev.processId ?? '?'}`);
  if (document.parts?.length) facts.push(`${document.parts.length} parts`);
  if (document.warnings?.length) facts.push(`${document.warnings.length} warnings`);
  return facts.join(', ');
}
