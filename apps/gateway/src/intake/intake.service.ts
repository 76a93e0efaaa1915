import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditLog } from '@app/audit';
import path from 'node:path';
import { APP_CONFIG, resolvePath, RoutesRegistry, type AppConfig } from '@app/config';
import {
  DocumentEvents,
  InputError,
  type CanonicalDocument,
  type Channel,
  type DocumentKind,
  type PipelineJob,
  type Receipt,
  type Route,
} from '@app/contracts';
import { deriveDocumentId, DocumentStore, sha256Hex } from '@app/documents';
import { DocumentEventsPublisher, PipelineService, type StepOutcome } from '@app/pipeline';
import { Steps } from '@app/queue';
import { contractsDir } from '@app/runtime';
import { extractText, inspectXml, loadXsdSchema, validateAgainstCatalogue, type XmlInspection } from '@app/xml';

/** A document as it arrives over any way in, before it becomes canonical. */
export interface Submission {
  routeId: string;
  channel: Channel;
  body: Buffer;
  contentType?: string;
  filename?: string;
  correlationId?: string;
}

const XML_TYPE = /^(application|text)\/([\w.+-]+\+)?xml$/i;
const CORRELATION_ID = /^[\x21-\x7e]{1,200}$/;
const MAX_REPORTED_SCHEMA_ERRORS = 20;

function mediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]!.trim().toLowerCase() || undefined;
}

/** XML or text, from the declared type, then the file name, then the first byte. */
export function kindOf(body: Buffer, contentType?: string, filename?: string): DocumentKind {
  const type = mediaType(contentType);
  if (type && XML_TYPE.test(type)) return 'xml';
  if (type === 'text/plain') return 'text';
  if (type && type !== 'application/octet-stream') {
    throw new InputError(`content type ${type} is not supported; send XML (application/xml) or plain text (text/plain)`, 'unsupported-content-type', 415);
  }
  const extension = filename?.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1];
  if (extension === 'xml') return 'xml';
  if (extension === 'txt') return 'text';
  if (extension) throw new InputError(`files of type .${extension} are not supported; drop .xml or .txt files`, 'unsupported-content-type', 415);
  const start = body.subarray(0, 64).toString('latin1').replace(/^(\xef\xbb\xbf|\xfe\xff|\xff\xfe)/, '').trimStart();
  return start.startsWith('<') ? 'xml' : 'text';
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
    const { body } = submission;
    const maxBytes = route.maxBodyBytes ?? this.config.limits.maxBodyBytes;
    if (body.length === 0) throw new InputError('the document is empty', 'empty');
    if (body.length > maxBytes) throw new InputError(`the document has ${body.length} bytes; route "${route.id}" takes at most ${maxBytes}`, 'too-large', 413);
    if (submission.correlationId !== undefined && !CORRELATION_ID.test(submission.correlationId)) {
      throw new InputError('correlationId must be 1 to 200 printable ASCII characters without spaces', 'bad-correlation-id');
    }

    const kind = kindOf(body, submission.contentType, submission.filename);
    let inspection: XmlInspection | undefined;
    let text: string;
    if (kind === 'xml') {
      inspection = inspectXml(body, { maxBytes });
      await this.validateSchema(route, body);
      text = extractText(inspection);
    } else {
      text = decodeText(body);
    }
    if (text.trim() === '') throw new InputError('the document holds no text to work on', 'no-text');

    const sha256 = sha256Hex(body);
    const xoev = inspection?.xoev;
    const document: CanonicalDocument = {
      id: deriveDocumentId(route.id, { correlationId: submission.correlationId, processId: xoev?.processId, messageTypeCode: xoev?.messageTypeCode, sha256 }),
      routeId: route.id,
      correlationId: submission.correlationId,
      channel: submission.channel,
      kind,
      contentType: mediaType(submission.contentType) ?? (kind === 'xml' ? 'application/xml' : 'text/plain'),
      filename: submission.filename,
      sizeBytes: body.length,
      sha256,
      receivedAt: new Date().toISOString(),
      rootElement: inspection?.rootElement,
      xoev,
    };

    const created = await this.store.create(document, body);
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

    await this.store.setText(document.id, text);
    await this.audit.append({ documentId: document.id, routeId: route.id, step: Steps.intake, outcome: 'accepted', detail: describe(document) });
    await this.pipeline.enqueue({ documentId: document.id, routeId: route.id, step: Steps.intake });
    this.events.publish(DocumentEvents.accepted, { documentId: document.id, routeId: route.id, state: 'accepted' });
    return { documentId: document.id, status: 'accepted', routeId: route.id, correlationId: submission.correlationId, duplicate: false, statusUrl: this.statusUrl(baseUrl, document.id) };
  }

  /** The route's XSD check; a schema-invalid document is refused with every error's line and column. */
  private async validateSchema(route: Route, body: Buffer): Promise<void> {
    if (route.validation === 'none') return;
    const result =
      route.validation === 'catalogue'
        ? await validateAgainstCatalogue(body, contractsDir())
        : await (await loadXsdSchema(resolvePath(path.dirname(this.config.paths.routesFile), route.validation.schema))).validate(body);
    if (result.valid) return;
    const shown = result.errors.slice(0, MAX_REPORTED_SCHEMA_ERRORS).map((e) => `line ${e.line}, column ${e.column}: ${e.message.trim()}`);
    const more = result.errors.length > shown.length ? `; and ${result.errors.length - shown.length} more` : '';
    throw new InputError(`the document is not valid against its schema: ${shown.join('; ')}${more}`, 'schema-invalid', 422);
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
      await this.store.setText(job.documentId, document.kind === 'xml' ? extractText(inspectXml(body)) : decodeText(body));
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

/** Facts for the audit trail: what came in, never its content. */
function describe(document: CanonicalDocument): string {
  const xoev = document.xoev;
  const facts = [`${document.channel}`, `${document.kind}`, `${document.sizeBytes} bytes`, `sha256 ${document.sha256.slice(0, 16)}`];
  if (xoev) facts.push(`${xoev.standard} ${xoev.version} ${xoev.messageTypeCode ?? '?'}`, `ProzessID ${xoev.processId ?? '?'}`);
  return facts.join(', ');
}
