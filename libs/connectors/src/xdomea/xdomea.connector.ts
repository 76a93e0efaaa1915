import { z } from 'zod';
import { InputError, PermanentError } from '@app/contracts';
import { extractText, validateAgainstCatalogue, XDOMEA_3_NAMESPACE } from '@app/xml';
import { defineConnector, type ConnectorContext, type ConnectorInput, type DocumentPart } from '../sdk/index.js';
import { ANBIETEVERZEICHNIS, BEWERTUNGSVERZEICHNIS, chooseAssessment, renderBewertungsverzeichnis } from './bewertungsverzeichnis.renderer.js';
import { extractDocumentText, mediaTypeOf, type ExtractionBudget } from './document-text.extractor.js';
import { readXdomeaMessage, resolveReference, type XdomeaMessage, type XdomeaReadLimits } from './xdomea-message.reader.js';
import { writeZip } from './zip-archive.writer.js';

const MAX_REPORTED_SCHEMA_ERRORS = 20;

export const xdomeaOptionsSchema = z.strictObject({
  /** Entries a container may hold, folders included. */
  maxEntries: z.int().min(1).max(65535).default(1000),
  /** Largest uncompressed/compressed ratio of an entry above 1 MiB; deflated zeros reach about 1000:1. */
  maxCompressionRatio: z.number().min(2).max(10000).default(200),
  /** Pages of a PDF whose text is read; the rest is named in a warning. */
  maxPdfPages: z.int().min(1).max(10000).default(200),
  /** Characters of text taken from one primary document. */
  maxTextChars: z.int().min(1000).max(50_000_000).default(2_000_000),
  /** Time for reading the text of all primary documents of one message. */
  extractionTimeoutMs: z.int().min(100).max(600_000).default(20_000),
  /** How the Bewertungsverzeichnis is made from the route's classification (write-back). */
  assessment: z
    .strictObject({
      step: z.string().min(1).optional(),
      codes: z.record(z.string().min(1), z.enum(['A', 'B', 'V'])).default({}),
      minConfidence: z.number().min(0).max(1).optional(),
    })
    .prefault({}),
  /** The reply's form: as the message came (container or bare XML), or always one of them. */
  reply: z.enum(['as-received', 'container', 'xml']).default('as-received'),
  /** Whether the reply asks for a receipt (Kopf/Empfangsbestaetigung). */
  requestReceipt: z.boolean().default(true),
});

export type XdomeaOptions = z.output<typeof xdomeaOptionsSchema>;

/** Replies xdomea 3.0.0 defines that can carry an AI result: the assessment of an offer. */
const REPLIES: Readonly<Record<string, string>> = { [ANBIETEVERZEICHNIS]: BEWERTUNGSVERZEICHNIS };

function readLimits(ctx: ConnectorContext<XdomeaOptions>): XdomeaReadLimits {
  return {
    zip: { maxEntries: ctx.options.maxEntries, maxUnpackedBytes: ctx.limits.maxUnpackedBytes, maxCompressionRatio: ctx.options.maxCompressionRatio },
    xml: { maxBytes: ctx.limits.maxBytes, maxDepth: ctx.limits.maxDepth, maxAttributesPerElement: ctx.limits.maxAttributes },
  };
}

function read(input: ConnectorInput, ctx: ConnectorContext<XdomeaOptions>): Promise<XdomeaMessage> {
  return readXdomeaMessage(input, readLimits(ctx));
}

/**
 * xdomea 3.0.0: a message alone or in its ZIP container `<ProzessID>_<Typ>.zip` with the primary
 * documents it references. The AI steps read the message's text and the text of its PDF, DOCX, plain
 * text and XML documents. An Anbieteverzeichnis (0501) is answered with a Bewertungsverzeichnis (0502)
 * carrying the route's classification as Aussonderungsart; xdomea defines no reply for other messages
 * that could carry an AI result, so their results go back as result XML or over SOAP.
 */
export const xdomeaConnector = defineConnector<XdomeaOptions, XdomeaMessage>({
  name: 'xdomea',
  description: 'xdomea 3.0.0 messages, bare or in their ZIP container with primary documents (PDF, DOCX, text); answers an Anbieteverzeichnis (0501) with a Bewertungsverzeichnis (0502)',
  options: xdomeaOptionsSchema,
  accepts: { mediaTypes: ['application/zip', 'application/x-zip-compressed'], extensions: ['zip', 'xml'] },

  parse: read,

  async validate(message, ctx) {
    const result = await validateAgainstCatalogue(message.messageBody, ctx.contractsDir);
    const where = message.messageName ? `${JSON.stringify(message.messageName)} ` : 'the message ';
    if (!result.valid) {
      const shown = result.errors.slice(0, MAX_REPORTED_SCHEMA_ERRORS).map((e) => `line ${e.line}, column ${e.column}: ${e.message.trim()}`);
      const more = result.errors.length > shown.length ? `; and ${result.errors.length - shown.length} more` : '';
      throw new InputError(`${where}is not valid against ${result.schema?.name ?? 'its schema'}: ${shown.join('; ')}${more}`, 'schema-invalid', 422);
    }
    if (message.form !== 'container') return;
    const missing = message.references.filter((reference) => !resolveReference(message, reference));
    if (missing.length) {
      throw new InputError(
        `the ZIP container lacks ${missing.length} file(s) the message references: ${missing.map((reference) => JSON.stringify(reference.filename)).join(', ')}`,
        'xdomea-missing-document',
        422,
      );
    }
    const referenced = new Set(message.references.map((reference) => resolveReference(message, reference)));
    const unreferenced = message.entries.filter((entry) => !referenced.has(entry)).length;
    // Counts only: file names can carry personal data and do not belong in logs.
    if (unreferenced) ctx.log.warn(`xdomea container: ${unreferenced} file(s) not referenced by the message, left unread`);
  },

  async toDocument(message, ctx) {
    const warnings = [...message.warnings];
    const texts = [extractText(message.inspection)];
    const parts: DocumentPart[] = [];
    const budget: ExtractionBudget = {
      deadline: Date.now() + ctx.options.extractionTimeoutMs,
      maxPdfPages: ctx.options.maxPdfPages,
      maxTextChars: ctx.options.maxTextChars,
      // A DOCX is a ZIP of its own: its unpacking counts against what the container left of the allowance.
      zip: {
        maxEntries: ctx.options.maxEntries,
        maxUnpackedBytes: Math.max(ctx.limits.maxUnpackedBytes - message.unpackedBytes, 0),
        maxCompressionRatio: ctx.options.maxCompressionRatio,
      },
      xml: readLimits(ctx).xml,
    };
    const done = new Set<string>();
    for (const reference of message.references) {
      const entry = resolveReference(message, reference);
      if (!entry) {
        if (message.form === 'container') warnings.push(`${JSON.stringify(reference.filename)} is referenced but not in the container`);
        continue;
      }
      if (done.has(entry.name)) continue;
      done.add(entry.name);
      const document = { name: entry.name, data: entry.data, ...(reference.formatCode ? { formatCode: reference.formatCode } : {}) };
      const extracted = await extractDocumentText(document, budget);
      warnings.push(...extracted.warnings);
      parts.push({ name: entry.name, mediaType: extracted.mediaType, sizeBytes: entry.data.length, textExtracted: extracted.text !== undefined });
      if (extracted.text !== undefined) texts.push(`--- ${reference.originalName ?? entry.name} ---\n${extracted.text}`);
    }
    for (const entry of message.entries) {
      if (done.has(entry.name)) continue;
      parts.push({ name: entry.name, mediaType: mediaTypeOf({ name: entry.name, data: entry.data }), sizeBytes: entry.data.length, textExtracted: false });
    }
    const text = texts.filter((piece) => piece.trim() !== '').join('\n\n');
    if (text === '') throw new InputError('the xdomea message and its documents hold no text to work on', 'no-text', 422);

    const header = message.inspection.xoev;
    return {
      kind: message.form,
      text,
      rootElement: message.inspection.rootElement,
      ...(header ? { xoev: header } : {}),
      fields: {
        messageType: message.inspection.rootElement,
        ...(header?.processId ? { processId: header.processId } : {}),
        ...(message.messageName ? { messageFile: message.messageName } : {}),
        primaryDocuments: message.references.map((reference) => reference.filename),
      },
      parts,
      warnings,
    };
  },

  async fromResult(result, ctx) {
    const message = await read({ body: result.body, ...(result.document.filename ? { filename: result.document.filename } : {}), mediaType: result.document.contentType }, ctx);
    const root = message.inspection.rootElement;
    const replyRoot = REPLIES[root];
    if (!replyRoot || message.inspection.namespace !== XDOMEA_3_NAMESPACE) {
      throw new PermanentError(
        `xdomea defines no reply to ${root} (${message.inspection.namespace ?? 'no namespace'}) that can carry AI results; only an xdomea 3.0.0 ${ANBIETEVERZEICHNIS} is answered (with a ${BEWERTUNGSVERZEICHNIS}). Write this route's results as result XML (writeback type folder) or over SOAP (writeback type soap)`,
        'xdomea-no-reply',
      );
    }
    const results = Object.values(result.status.results);
    const assessment = chooseAssessment(results, ctx.options.assessment);
    const xml = renderBewertungsverzeichnis({
      offer: message.root,
      assessment,
      document: result.document,
      results,
      routeId: ctx.route.id,
      writtenAt: result.writtenAt,
      requestReceipt: ctx.options.requestReceipt,
    });
    // Checked before it leaves: a reply the archive's system refuses is worse than none.
    const check = await validateAgainstCatalogue(xml, ctx.contractsDir);
    if (!check.valid) {
      const errors = check.errors.slice(0, MAX_REPORTED_SCHEMA_ERRORS).map((e) => `line ${e.line}: ${e.message.trim()}`);
      throw new PermanentError(`the ${BEWERTUNGSVERZEICHNIS} built for this document is not valid xdomea 3.0.0: ${errors.join('; ')}`, 'xdomea-reply-invalid');
    }
    const processId = message.inspection.xoev!.processId!;
    const baseName = `${safeFilePart(processId)}_${replyRoot}`;
    // For transports (xta2): the message type as XTA's default code list (urn:de:payloadSchema:elementName)
    // names it, the payload's root element with its namespace; a bare '0502' is no code of that list.
    const meta = { messageType: replyRoot, payloadSchema: XDOMEA_3_NAMESPACE, processId, rootElement: replyRoot };
    const asContainer = ctx.options.reply === 'container' || (ctx.options.reply === 'as-received' && message.form === 'container');
    const body = Buffer.from(xml, 'utf8');
    if (!asContainer) return { body, mediaType: 'application/xml', filename: `${baseName}.xml`, meta };
    return { body: writeZip([{ name: `${baseName}.xml`, data: body }], new Date(result.writtenAt)), mediaType: 'application/zip', filename: `${baseName}.zip`, meta };
  },
});

/** ProzessID is an xs:pattern-checked UUID in valid messages; anything else still must not become a path. */
function safeFilePart(value: string): string {
  return value.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100);
}
