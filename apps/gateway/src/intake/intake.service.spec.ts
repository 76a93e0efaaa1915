import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Test, type TestingModule } from '@nestjs/testing';
import type { Redis } from 'ioredis';
import { AuditLog } from '@app/audit';
import { connectorRegistry, ConnectorRegistry, defineConnector } from '@app/connectors';
import { InputError, type PipelineJob } from '@app/contracts';
import { DOCUMENTS_REDIS, DocumentStore } from '@app/documents';
import { PipelineService } from '@app/pipeline';
import { QueueNames } from '@app/queue';
import { RuntimeModule } from '@app/runtime';
import { dropInstallationKeys, expectInputError, expectRejected, testInstallation, type TestInstallation } from '@app/testing';
import { admitForConnector, IntakeService, kindOf, type Submission } from './intake.service.js';
import { XmlWorkers } from './xml-workers.provider.js';

const xml = Buffer.from('<?xml version="1.0"?><a/>');
const text = Buffer.from('Sehr geehrte Damen und Herren,');

describe('kindOf', () => {
  it.each([
    [xml, 'application/xml', undefined, 'xml'],
    [xml, 'text/xml; charset=utf-8', undefined, 'xml'],
    [xml, 'application/xdomea+xml', undefined, 'xml'],
    [text, 'text/plain', undefined, 'text'],
    [xml, undefined, 'nachricht.XML', 'xml'],
    [text, undefined, 'brief.txt', 'text'],
    [Buffer.from('\ufeff  <a/>'), undefined, undefined, 'xml'],
    [text, 'application/octet-stream', undefined, 'text'],
  ])('%#: %s as %s named %s is %s', (body, type, name, expected) => {
    expect(kindOf(body, type, name)).toBe(expected);
  });

  it('refuses what it cannot read with 415, naming what it takes', () => {
    for (const [type, name] of [['application/pdf', undefined], [undefined, 'scan.pdf'], ['image/png', 'x.xml']] as const) {
      const error = expectInputError(() => kindOf(text, type, name));
      expect(error.httpStatus).toBe(415);
      expect(error.message).toMatch(/not supported/);
    }
  });
});

describe('admitForConnector', () => {
  const zip = { mediaTypes: ['application/zip'], extensions: ['zip'] };

  it('takes XML, text, octet streams and what the connector accepts', () => {
    for (const [type, name] of [['application/xml', undefined], ['text/plain', 'x.txt'], ['application/zip', 'x.zip'], ['APPLICATION/ZIP; x=1', undefined], [undefined, 'Akte.ZIP'], ['application/octet-stream', 'akte.zip']] as const) {
      expect(() => admitForConnector(type, name, zip)).not.toThrow();
    }
  });

  it('refuses the rest with 415, naming what the route takes', () => {
    const byType = expectInputError(() => admitForConnector('image/png', undefined, zip));
    expect(byType).toMatchObject({ httpStatus: 415, code: 'unsupported-content-type' });
    expect(byType.message).toContain('application/zip');
    const byName = expectInputError(() => admitForConnector(undefined, 'scan.pdf', zip));
    expect(byName.message).toContain('.zip');
    expect(() => admitForConnector('application/zip', undefined, {})).toThrow(InputError);
  });
});

/** A tiny connector for containers: takes ZIP bodies, lists one part, keeps a fact and a warning. */
const kiste = defineConnector({
  name: 'kiste',
  description: 'a test connector for ZIP containers',
  accepts: { mediaTypes: ['application/zip'], extensions: ['zip'] },
  parse: (input) => {
    if (!input.body.subarray(0, 2).equals(Buffer.from('PK'))) throw new InputError('not a ZIP container', 'not-a-container', 422);
    return { size: input.body.length, name: input.filename ?? 'kiste.zip' };
  },
  toDocument: (parsed) => ({
    kind: 'container' as const,
    text: `Container ${parsed.name} mit einem Dokument über den Bauantrag.`,
    fields: { entries: 1 },
    parts: [{ name: 'antrag.txt', mediaType: 'text/plain', sizeBytes: parsed.size, textExtracted: true }],
    warnings: ['entry 2 skipped: empty'],
  }),
  // Only so a route may name it under sources: (it is never run here).
  receive: async () => undefined,
});
connectorRegistry.register(kiste);

const SAMPLES = path.resolve(process.cwd(), '../shared/conformance/xrechnung/samples');
const invoice = readFileSync(path.join(SAMPLES, 'business-cases/standard/01.01a-INVOICE_ubl.xml'));
const zipBody = Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(60, 1)]);

const ROUTES = `
routes:
  rechnungen:
    accept: [rest]
    connector: xrechnung
    steps: [{ id: sprache, task: detect-language }]
    writeback: { type: folder }
  kisten:
    accept: [rest]
    connector: kiste
    sources: [{ type: kiste }]
    limits: { maxUnpackedBytes: 1000 }
    steps: [{ id: sprache, task: detect-language }]
    writeback: { type: folder }
  texte:
    accept: [rest]
    limits: { maxDepth: 4, maxAttributes: 2 }
    steps: [{ id: sprache, task: detect-language }]
    writeback: { type: folder }
`;

describe('IntakeService with connectors (real Redis, real audit log)', () => {
  let installation: TestInstallation;
  let moduleRef: TestingModule;
  let intake: IntakeService;
  let store: DocumentStore;
  let pipeline: PipelineService;
  let audit: AuditLog;
  const base = 'http://127.0.0.1:1';

  beforeAll(async () => {
    installation = await testInstallation(ROUTES);
    moduleRef = await Test.createTestingModule({
      imports: [RuntimeModule.forRoot(installation.config, [])],
      providers: [XmlWorkers, IntakeService, { provide: ConnectorRegistry, useValue: connectorRegistry }],
    }).compile();
    await moduleRef.init();
    intake = moduleRef.get(IntakeService);
    store = moduleRef.get(DocumentStore);
    pipeline = moduleRef.get(PipelineService);
    audit = moduleRef.get(AuditLog);
  });

  afterAll(async () => {
    if (!moduleRef) return;
    await dropInstallationKeys(installation.config);
    await moduleRef.close();
    rmSync(installation.dir, { recursive: true, force: true });
  });

  const submit = (submission: Partial<Submission> & Pick<Submission, 'routeId' | 'body'>) => intake.submit({ channel: 'rest', ...submission }, base);
  const intakeJobs = async () => (await pipeline.queue(QueueNames.intake).getJobs(['waiting', 'delayed', 'active', 'completed', 'failed'])).length;

  const refused = (submission: Parameters<typeof submit>[0]) => expectRejected(InputError, submit(submission));

  it('reads an XRechnung through the connector: facts, warnings and the German text are stored, one intake job', async () => {
    const receipt = await submit({ routeId: 'rechnungen', body: invoice, contentType: 'application/xml' });
    expect(receipt).toMatchObject({ routeId: 'rechnungen', status: 'accepted', duplicate: false });
    const document = (await store.getDocument(receipt.documentId))!;
    expect(document).toMatchObject({ connector: 'xrechnung', kind: 'xml', rootElement: 'Invoice', contentType: 'application/xml' });
    expect(document.fields).toMatchObject({ syntax: 'UBL', leitwegId: expect.any(String), totals: { payableAmount: expect.any(String) } });
    expect((document.fields!.lines as unknown[]).length).toBeGreaterThan(0);
    expect(Array.isArray(document.warnings ?? [])).toBe(true);
    const stored = (await store.getText(receipt.documentId))!;
    expect(stored).toMatch(/^Rechnung /);
    expect(stored).toContain('Rechnungssteller: ');
    expect(await pipeline.queue(QueueNames.intake).getJob(`${receipt.documentId}.intake`)).toBeDefined();
    // The status API shows what the store has.
    expect((await store.getStatus(receipt.documentId))!.document.fields).toEqual(document.fields);
  });

  it('refuses what the connector refuses: audited, nothing stored, nothing enqueued', async () => {
    const jobsBefore = await intakeJobs();
    const refusalsBefore = (await audit.forDocument('none')).length;
    const error = await refused({ routeId: 'rechnungen', body: Buffer.from('<?xml version="1.0"?><Brief xmlns="urn:x"><Text>Hallo</Text></Brief>'), contentType: 'application/xml' });
    expect(error).toMatchObject({ code: 'not-an-invoice', httpStatus: 422 });
    const schemaError = await refused({ routeId: 'rechnungen', body: Buffer.from(invoice.toString('utf8').replace('<cbc:IssueDate>', '<cbc:Falsch/><cbc:IssueDate>')) });
    expect(schemaError).toMatchObject({ code: 'schema-invalid', httpStatus: 422 });
    const refusals = (await audit.forDocument('none')).slice(refusalsBefore);
    expect(refusals.map((r) => r.detail)).toEqual([expect.stringMatching(/^rest: not-an-invoice: not an invoice/), expect.stringMatching(/^rest: schema-invalid: /)]);
    expect(refusals.every((r) => r.routeId === 'rechnungen' && r.outcome === 'refused')).toBe(true);
    expect(await intakeJobs()).toBe(jobsBefore);
  });

  it('admits the media types a connector accepts and keeps its fields, parts and warnings', async () => {
    expect(await refused({ routeId: 'texte', body: zipBody, contentType: 'application/zip' })).toMatchObject({ httpStatus: 415 });
    const receipt = await submit({ routeId: 'kisten', body: zipBody, contentType: 'application/zip', filename: 'akte.zip' });
    const document = (await store.getDocument(receipt.documentId))!;
    expect(document).toMatchObject({
      connector: 'kiste',
      kind: 'container',
      contentType: 'application/zip',
      fields: { entries: 1 },
      parts: [{ name: 'antrag.txt', mediaType: 'text/plain', sizeBytes: zipBody.length, textExtracted: true }],
      warnings: ['entry 2 skipped: empty'],
    });
    expect(await refused({ routeId: 'kisten', body: zipBody, contentType: 'image/png' })).toMatchObject({ httpStatus: 415 });
    expect(await refused({ routeId: 'kisten', body: Buffer.from('kein zip'), contentType: 'application/zip' })).toMatchObject({ code: 'not-a-container', httpStatus: 422 });
  });

  it('re-derives lost text through the route connector when the intake job runs', async () => {
    const receipt = await submit({ routeId: 'kisten', body: Buffer.concat([zipBody, Buffer.from('x')]), contentType: 'application/zip', filename: 'b.zip' });
    const redis = moduleRef.get<Redis>(DOCUMENTS_REDIS);
    await redis.del(`${installation.config.queue.prefix}:doc:${receipt.documentId}:text`);
    const job: PipelineJob = { documentId: receipt.documentId, routeId: 'kisten', step: 'intake' };
    await intake.admit(job);
    expect(await store.getText(receipt.documentId)).toBe('Container b.zip mit einem Dokument über den Bauantrag.');
  });

  it('takes a message from a route source on its channel, once per transport id', async () => {
    const message = { routeId: 'kisten', channel: 'source:kiste' as const, body: zipBody, contentType: 'application/zip', correlationId: 'urn:de:xta:messageid:1' };
    const first = await intake.submit(message, base);
    const second = await intake.submit(message, base);
    expect(first.duplicate).toBe(false);
    expect(second).toMatchObject({ documentId: first.documentId, duplicate: true });
    expect((await store.getDocument(first.documentId))!.channel).toBe('source:kiste');
    expect(await refused({ routeId: 'rechnungen', channel: 'source:kiste', body: zipBody })).toMatchObject({ httpStatus: 403, code: 'channel-not-accepted' });
  });

  it('stores inspectXml warnings on the built-in path and applies the route XML limits', async () => {
    const xdomea = Buffer.from(
      '<x:Aussonderung.Aussonderung.0503 xmlns:x="urn:xoev-de:xdomea:schema:3.0.0"><x:Kopf><x:ProzessID>p-warn-1</x:ProzessID>' +
        '<x:Nachrichtentyp><code>0501</code></x:Nachrichtentyp></x:Kopf></x:Aussonderung.Aussonderung.0503>',
    );
    const receipt = await submit({ routeId: 'texte', body: xdomea, contentType: 'application/xml' });
    const document = (await store.getDocument(receipt.documentId))!;
    expect(document.connector).toBeUndefined();
    expect(document.warnings).toEqual([expect.stringMatching(/Nachrichtentyp says 0501 but the root element .* is message type 0503/)]);
    expect(await refused({ routeId: 'texte', body: Buffer.from('<a><b><c><d><e>tief</e></d></c></b></a>'), contentType: 'application/xml' })).toMatchObject({ code: 'too-deep' });
    expect(await refused({ routeId: 'texte', body: Buffer.from('<a x="1" y="2" z="3">viel</a>'), contentType: 'application/xml' })).toMatchObject({ code: 'too-many-attributes' });
    // Plain text keeps no warnings.
    const plain = await submit({ routeId: 'texte', body: text, contentType: 'text/plain' });
    expect((await store.getDocument(plain.documentId))!.warnings).toBeUndefined();
  });

  it('gives the reading options of the routes that read XML themselves over a channel, the route limits in them', () => {
    expect(intake.prereadOptions('rest')).toEqual({ texte: { limits: { maxBytes: installation.config.limits.maxBodyBytes, maxDepth: 4, maxAttributesPerElement: 2 }, validation: { kind: 'none' } } });
    expect(intake.prereadOptions('soap')).toEqual({});
  });

  it('takes the XML reading done ahead for its route instead of reading the body again, its refusal included', async () => {
    const body = Buffer.from('<brief><betreff>Baugenehmigung</betreff></brief>');
    const read = { text: 'vorab gelesen', rootElement: 'vorab', warnings: ['vorab'] };
    const receipt = await submit({ routeId: 'texte', body, contentType: 'application/xml', correlationId: 'preread-1', preread: { routeId: 'texte', read } });
    expect(await store.getDocument(receipt.documentId)).toMatchObject({ rootElement: 'vorab', warnings: ['vorab'] });
    expect(await store.getText(receipt.documentId)).toBe('vorab gelesen');
    // Read for another route: intake reads the body itself.
    const other = await submit({ routeId: 'texte', body, contentType: 'application/xml', correlationId: 'preread-2', preread: { routeId: 'andere', read } });
    expect(await store.getDocument(other.documentId)).toMatchObject({ rootElement: 'brief' });
    const error = { kind: 'input' as const, message: 'XML with a DOCTYPE (DTD) is not accepted', code: 'doctype', httpStatus: 400 };
    const before = await intakeJobs();
    const refusal = await refused({ routeId: 'texte', body, contentType: 'application/xml', correlationId: 'preread-3', preread: { routeId: 'texte', error } });
    expect(refusal).toMatchObject({ code: 'doctype', httpStatus: 400, message: error.message });
    expect(await intakeJobs()).toBe(before);
    expect((await audit.forDocument('none')).at(-1)).toMatchObject({ outcome: 'refused', detail: expect.stringContaining('doctype') });
  });
});
