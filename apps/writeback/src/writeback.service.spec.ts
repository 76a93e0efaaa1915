import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import { Test, type TestingModule } from '@nestjs/testing';
import { z } from 'zod';
import { connectorRegistry, ConnectorRegistry, defineConnector, type OutboundMessage } from '@app/connectors';
import { DigitalSourceType, PermanentError, RetryableError, type AiLabel, type CanonicalDocument, type StepResult } from '@app/contracts';
import { DocumentStore, sha256Hex } from '@app/documents';
import { RuntimeModule } from '@app/runtime';
import { dropInstallationKeys, testInstallation, type TestInstallation } from '@app/testing';
import { combinedLabel, WritebackService } from './writeback.service.js';

function result(step: string, label: Partial<AiLabel>): StepResult {
  return {
    step,
    task: 'summarise',
    output: { summary: 's', sentences: ['s'], sentenceIndexes: [0] },
    label: { aiGenerated: true, digitalSourceType: DigitalSourceType.algorithmicMedia, provider: 'embedded', model: 'm1', generatedAt: '2026-01-01T00:00:00.000Z', reviewState: 'unreviewed', ...label },
  };
}

describe('combinedLabel', () => {
  it('names every provider and model once and takes the latest time', () => {
    const label = combinedLabel([
      result('a', { model: 'franc-min/6', generatedAt: '2026-01-01T00:00:02.000Z' }),
      result('b', { model: 'embedded-textrank-de/1', generatedAt: '2026-01-01T00:00:03.000Z' }),
      result('c', { model: 'franc-min/6', generatedAt: '2026-01-01T00:00:01.000Z' }),
    ]);
    expect(label).toEqual({
      aiGenerated: true,
      digitalSourceType: DigitalSourceType.algorithmicMedia,
      provider: 'embedded',
      model: 'franc-min/6, embedded-textrank-de/1',
      generatedAt: '2026-01-01T00:00:03.000Z',
      reviewState: 'unreviewed',
    });
  });

  it('is model output as soon as one trained model contributed, and approved only when all were', () => {
    const label = combinedLabel([
      result('a', { reviewState: 'approved' }),
      result('b', { provider: 'llm-eu', digitalSourceType: DigitalSourceType.trainedAlgorithmicMedia, reviewState: 'approved' }),
    ]);
    expect(label.digitalSourceType).toBe(DigitalSourceType.trainedAlgorithmicMedia);
    expect(label.provider).toBe('embedded, llm-eu');
    expect(label.reviewState).toBe('approved');
    expect(combinedLabel([result('a', { reviewState: 'approved' }), result('b', {})]).reviewState).toBe('unreviewed');
  });
});

/** A transport for the tests: records what it sends; `failNext` makes the next send throw that error. */
const sent: Array<{ message: OutboundMessage; documentId: string; options: unknown }> = [];
let failNext: Error | undefined;
const bote = defineConnector<{ postfach: string }>({
  name: 'bote',
  description: 'a test transport',
  options: z.strictObject({ postfach: z.string().min(1) }),
  send: async (message, result, ctx) => {
    if (failNext) {
      const error = failNext;
      failNext = undefined;
      throw error;
    }
    sent.push({ message, documentId: result.document.id, options: ctx.options });
    return { location: `bote:${ctx.options.postfach}/${message.filename}` };
  },
});
/** A format connector with its own reply, and one that only builds messages (no send). */
const antwort = defineConnector({
  name: 'antwort',
  description: 'builds a reply',
  fromResult: (result) => ({ body: Buffer.from(`Antwort auf ${result.document.id}: ${Object.keys(result.status.results).join(',')}`), mediaType: 'text/plain', filename: `${result.document.id}.txt` }),
});
connectorRegistry.register(bote).register(antwort);

const invoice = fs.readFileSync(path.resolve(process.cwd(), '../shared/conformance/xrechnung/samples/business-cases/standard/01.01a-INVOICE_ubl.xml'));
const STEPS = '[{ id: kostenstelle, task: classify, labels: { ks-1100-it: [software], ks-6100-strassenbau: [asphalt] } }]';
const ROUTES = `
routes:
  rechnungen:
    connector: xrechnung
    steps: ${STEPS}
    writeback: { type: folder }
  versand:
    connector: xrechnung
    steps: ${STEPS}
    writeback: { type: bote, postfach: amt-7 }
  antworten:
    connector: xrechnung
    steps: ${STEPS}
    writeback: { type: antwort }
  texte:
    steps: ${STEPS}
    writeback: { type: bote, postfach: amt-8 }
`;

describe('WritebackService with connectors (real Redis, real outbox folder)', () => {
  let installation: TestInstallation;
  let moduleRef: TestingModule;
  let writeback: WritebackService;
  let store: DocumentStore;
  let n = 0;

  beforeAll(async () => {
    installation = await testInstallation(ROUTES);
    moduleRef = await Test.createTestingModule({
      imports: [RuntimeModule.forRoot(installation.config, [])],
      providers: [WritebackService, { provide: ConnectorRegistry, useValue: connectorRegistry }],
    }).compile();
    await moduleRef.init();
    writeback = moduleRef.get(WritebackService);
    store = moduleRef.get(DocumentStore);
  });

  afterAll(async () => {
    if (!moduleRef) return;
    await dropInstallationKeys(installation.config);
    await moduleRef.close();
    fs.rmSync(installation.dir, { recursive: true, force: true });
  });

  /** A document as intake leaves it, with the classify result the AI step would have saved. */
  async function stored(routeId: string, body: Buffer = invoice): Promise<CanonicalDocument> {
    n += 1;
    const document: CanonicalDocument = {
      id: `00000000-0000-8000-8000-${String(n).padStart(12, '0')}`,
      routeId,
      channel: 'rest',
      kind: 'xml',
      contentType: 'application/xml',
      sizeBytes: body.length,
      sha256: sha256Hex(body),
      receivedAt: new Date().toISOString(),
    };
    expect(await store.create(document, body)).toEqual({ created: true });
    await store.saveResult(document.id, {
      step: 'kostenstelle',
      task: 'classify',
      output: { label: 'ks-1100-it', confidence: 0.5, scores: { 'ks-1100-it': 0.75, 'ks-6100-strassenbau': 0.25 } },
      label: { aiGenerated: true, digitalSourceType: DigitalSourceType.algorithmicMedia, provider: 'embedded', model: 'keyword/1', generatedAt: new Date().toISOString(), reviewState: 'unreviewed' },
    });
    return document;
  }

  const run = (document: CanonicalDocument) => writeback.run({ documentId: document.id, routeId: document.routeId, step: 'writeback' });

  it('folder write-back: the outbox gets the route connector\'s message (result XML with InvoiceFacts)', async () => {
    const document = await stored('rechnungen');
    const outcome = await run(document);
    const file = path.join(installation.config.paths.outbox, 'rechnungen', `${document.id}.xml`);
    expect(outcome.detail).toBe(`folder: ${document.id}.xml`);
    const xml = fs.readFileSync(file, 'utf8');
    expect(xml).toContain('<InvoiceFacts>');
    expect(xml).toMatch(/<LeitwegId>[^<]+<\/LeitwegId>/);
    expect(xml).toContain('<Label>ks-1100-it</Label>');
    expect(await store.getWriteback(document.id)).toMatchObject({ target: 'folder', state: 'done', location: file });
  });

  it('connector write-back: fromResult of the route connector, then send, once; a second run is skipped', async () => {
    const document = await stored('versand');
    const before = sent.length;
    const outcome = await run(document);
    expect(sent.slice(before)).toHaveLength(1);
    const { message, options } = sent.at(-1)!;
    expect(options).toEqual({ postfach: 'amt-7' });
    expect(message).toMatchObject({ mediaType: 'application/xml', filename: `${document.id}.xml` });
    expect(message.body.toString('utf8')).toContain('<InvoiceFacts>');
    expect(outcome.detail).toBe(`bote: bote:amt-7/${document.id}.xml`);
    expect(await store.getWriteback(document.id)).toMatchObject({ target: 'bote', location: `bote:amt-7/${document.id}.xml` });
    expect(await run(document)).toMatchObject({ skipped: true });
    expect(sent.slice(before)).toHaveLength(1);
  });

  it('without a connector to build it, send gets the generic result XML', async () => {
    const document = await stored('texte', Buffer.from('Rechnung für Software'));
    await run(document);
    const { message } = sent.at(-1)!;
    expect(message.filename).toBe(`${document.id}.xml`);
    expect(message.body.toString('utf8')).toContain('<Result xmlns="urn:schnittstelle:result:v1"');
    expect(message.body.toString('utf8')).not.toContain('<InvoiceFacts>');
  });

  it('keeps the error kinds of send and writes no record when it fails', async () => {
    const document = await stored('versand');
    failNext = new RetryableError('mailbox busy', 'busy');
    await expect(run(document)).rejects.toBeInstanceOf(RetryableError);
    expect(await store.getWriteback(document.id)).toBeUndefined();
    failNext = new PermanentError('recipient unknown', 'no-recipient');
    await expect(run(document)).rejects.toBeInstanceOf(PermanentError);
    expect(await store.getWriteback(document.id)).toBeUndefined();
    const before = sent.length;
    await run(document);
    expect(sent.length).toBe(before + 1);
    expect(await store.getWriteback(document.id)).toMatchObject({ target: 'bote' });
  });

  it('a write-back connector with its own fromResult and no send writes that message to the outbox', async () => {
    const document = await stored('antworten');
    await run(document);
    const file = path.join(installation.config.paths.outbox, 'antworten', `${document.id}.txt`);
    expect(fs.readFileSync(file, 'utf8')).toBe(`Antwort auf ${document.id}: kostenstelle`);
    expect(await store.getWriteback(document.id)).toMatchObject({ target: 'antwort', location: file });
  });
});
