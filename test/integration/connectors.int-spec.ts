import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Queue } from 'bullmq';
import { XmlDocument, XsdValidator } from 'libxml2-wasm';
import { z } from 'zod';
import { AuditLog } from '@app/audit';
import { ConfigError } from '@app/config';
import { connectorRegistry, defineConnector, extractInvoice } from '@app/connectors';
import type { ClassificationOutput, Receipt } from '@app/contracts';
import type { QueueName } from '@app/queue';
import { startApplication, type RunningApp } from '@app/runtime';
import { testInstallation, waitFor, type TestInstallation } from '@app/testing';
import { inspectXml } from '@app/xml';
import { allJobIds, BUILDING_LETTER, closeQueues, getStatus, http, loadApps, openQueues, postDocument, removeInstallation, rmDir, totalJobs } from './support.js';

/** The 45 UBL invoices of the official XRechnung 3.0 test suite (see ../shared/conformance/README.md). */
const SAMPLES = path.resolve(process.cwd(), '../shared/conformance/xrechnung/samples');
const RESULT_XSD = new URL('../../contracts/schnittstelle/v1/result.xsd', import.meta.url);
const ns = { r: 'urn:schnittstelle:result:v1' };
const invoices = fs
  .readdirSync(SAMPLES, { withFileTypes: true, recursive: true })
  .filter((entry) => entry.isFile() && entry.name.endsWith('.xml'))
  .map((entry) => path.join(entry.parentPath, entry.name))
  .sort();

/**
 * A transport for the test: its receive fails on the first start (the mailbox is away), then fetches one
 * message and delivers it twice, as a poller would after a crash between taking a message in and
 * acknowledging it at the source, then waits for the stop signal.
 */
const receipts: Receipt[] = [];
let starts = 0;
let stoppedBySignal = false;
const testSource = defineConnector<{ messageId: string }>({
  name: 'testquelle',
  description: 'a mailbox for the test',
  options: z.strictObject({ messageId: z.string().min(1) }),
  async receive(deliver, ctx, signal) {
    starts += 1;
    if (starts === 1) throw new Error('mailbox not reachable');
    const message = { transportId: ctx.options.messageId, body: Buffer.from(BUILDING_LETTER, 'utf8'), mediaType: 'text/plain' };
    receipts.push(await deliver(message));
    receipts.push(await deliver(message));
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    stoppedBySignal = true;
  },
});
connectorRegistry.register(testSource);

/** The shipped routes (with `rechnungen`), plus a route fed by the test source. */
const ROUTES = `${fs.readFileSync(path.resolve(process.cwd(), 'config/routes.yaml'), 'utf8')}
  briefkasten:
    accept: [rest]
    sources:
      - { type: testquelle, messageId: "urn:de:xta:messageid:4711" }
    steps:
      - { id: sprache, task: detect-language }
    writeback: { type: folder }
`;

describe('connectors: XRechnung over REST, a source connector, refusals and configuration (whole middleware in-process)', () => {
  let installation: TestInstallation;
  let running: RunningApp | undefined;
  let queues: Record<QueueName, Queue> | undefined;
  let audit: AuditLog | undefined;
  let baseUrl: string;
  let schemaDoc: XmlDocument | undefined;
  let validator: XsdValidator | undefined;

  beforeAll(async () => {
    installation = await testInstallation(ROUTES);
    running = await startApplication(installation.config, await loadApps(), { processName: 'test', quiet: true });
    baseUrl = running.baseUrl;
    queues = openQueues(installation.config);
    schemaDoc = XmlDocument.fromString(fs.readFileSync(RESULT_XSD, 'utf8'), { url: RESULT_XSD.href });
    validator = XsdValidator.fromDoc(schemaDoc);
  });

  afterAll(async () => {
    validator?.dispose();
    schemaDoc?.dispose();
    try {
      await running?.close();
    } finally {
      await closeQueues(queues);
      await audit?.close();
      await removeInstallation(installation);
    }
  });

  it('finds the 45 invoices of the suite', () => {
    expect(invoices).toHaveLength(45);
  });

  it('takes all 45 UBL invoices in over REST and writes each back with its facts and a cost centre', async () => {
    const accepted: Array<{ file: string; receipt: Receipt }> = [];
    for (const file of invoices) {
      const answer = await postDocument(baseUrl, 'rechnungen', fs.readFileSync(file), 'application/xml');
      expect({ file, status: answer.status, body: answer.body }).toMatchObject({ file, status: 202, body: { routeId: 'rechnungen', duplicate: false } });
      accepted.push({ file, receipt: answer.body });
    }
    expect(new Set(accepted.map((a) => a.receipt.documentId)).size).toBe(45);

    const labels: Record<string, string> = {};
    for (const { file, receipt } of accepted) {
      const status = await waitFor(`${path.basename(file)} written back`, async () => {
        const s = await getStatus(baseUrl, receipt.documentId);
        if (s.state === 'failed') throw new Error(`${path.basename(file)} failed: ${s.reason}`);
        return s.state === 'completed' ? s : undefined;
      }, 60_000);
      const facts = extractInvoice(inspectXml(fs.readFileSync(file)));
      // The status API shows the facts and warnings kept with the document.
      expect(status.document).toMatchObject({ connector: 'xrechnung', kind: 'xml', fields: { invoiceNumber: facts.invoiceNumber, totals: { payableAmount: facts.totals.payableAmount } } });
      expect(Array.isArray(status.document.warnings ?? [])).toBe(true);
      expect(status.steps.map((s) => `${s.step}:${s.state}`)).toEqual(['intake:done', 'kostenstelle:done', 'writeback:done']);
      const classification = status.results.kostenstelle!.output as ClassificationOutput;
      labels[path.basename(file)] = classification.label;

      expect(status.writeback).toMatchObject({ target: 'folder', state: 'done' });
      const outboxFile = status.writeback!.location;
      expect(outboxFile).toBe(path.join(installation.config.paths.outbox, 'rechnungen', `${receipt.documentId}.xml`));
      const doc = XmlDocument.fromString(fs.readFileSync(outboxFile, 'utf8'));
      try {
        validator!.validate(doc);
        const text = (xpath: string) => doc.get(xpath, ns)?.content;
        expect(text('/r:Result/r:Document/r:Id')).toBe(receipt.documentId);
        expect(text('/r:Result/r:InvoiceFacts/r:InvoiceNumber')).toBe(facts.invoiceNumber);
        expect(text('/r:Result/r:InvoiceFacts/r:Seller/r:Name')).toBe(facts.seller.name);
        expect(text('/r:Result/r:InvoiceFacts/r:Buyer/r:Name')).toBe(facts.buyer.name);
        expect(text('/r:Result/r:InvoiceFacts/r:LeitwegId')).toBe(facts.leitwegId);
        expect(text('/r:Result/r:InvoiceFacts/r:Totals/r:PayableAmount')).toBe(facts.totals.payableAmount);
        expect(doc.find('/r:Result/r:InvoiceFacts/r:Line', ns)).toHaveLength(facts.lines.length);
        expect(text('/r:Result/r:Step[@id="kostenstelle"]/r:Output/r:Classification/r:Label')).toBe(classification.label);
      } finally {
        doc.dispose();
      }
    }
    // The cost centre comes from the invoice's German text: a few the vocabulary settles.
    expect(labels['04.03a-INVOICE_ubl.xml']).toBe('ks-6100-strassenbau');
    expect(labels['01.12a-INVOICE_ubl.xml']).toBe('ks-1100-it');
    expect(labels['01.05a-INVOICE_ubl.xml']).toBe('ks-1200-personal');
    expect(labels['03.01a-INVOICE_ubl.xml']).toBe('ks-7100-energie');
    expect(await allJobIds(queues!['dead-letter'])).toEqual([]);
  }, 180_000);

  it('takes a message a source delivers twice in once, on the source channel, after restarting the crashed source', async () => {
    await waitFor('both deliveries', () => receipts.length >= 2 || undefined);
    expect(starts).toBe(2);
    const [first, second] = receipts;
    expect(first).toMatchObject({ routeId: 'briefkasten', duplicate: false });
    expect(second).toMatchObject({ documentId: first!.documentId, duplicate: true });
    const status = await waitFor('source document completed', async () => {
      const s = await getStatus(baseUrl, first!.documentId);
      return s.state === 'completed' ? s : undefined;
    });
    expect(status.document).toMatchObject({ channel: 'source:testquelle', correlationId: 'urn:de:xta:messageid:4711', kind: 'text' });
    const intakeJobs = (await allJobIds(queues!.intake)).filter((id) => id.startsWith(first!.documentId));
    expect(intakeJobs).toEqual([`${first!.documentId}.intake`]);
    audit = await AuditLog.open(installation.config.auditDatabaseUrl);
    expect((await audit.forDocument(first!.documentId)).filter((r) => r.step === 'intake' && r.outcome === 'accepted')).toHaveLength(1);
    // The crash of the first start did not take the process down.
    expect((await http(`${baseUrl}/health/live`)).status).toBe(200);
  });

  it('refuses what the connector refuses: 422, audited, nothing enqueued', async () => {
    const before = await totalJobs(queues!);
    audit ??= await AuditLog.open(installation.config.auditDatabaseUrl);
    const refusalsBefore = (await audit.forDocument('none')).length;
    const answer = await postDocument(baseUrl, 'rechnungen', '<?xml version="1.0"?><Brief xmlns="urn:example:brief"><Text>Kein Rechnungsdokument</Text></Brief>', 'application/xml');
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ error: 'not-an-invoice' });
    expect(answer.body.message).toContain('{urn:example:brief}Brief');
    const broken = fs.readFileSync(invoices[0]!, 'utf8').replace('<cbc:IssueDate>', '<cbc:Unbekannt>x</cbc:Unbekannt><cbc:IssueDate>');
    const invalid = await postDocument(baseUrl, 'rechnungen', broken, 'application/xml');
    expect(invalid.status).toBe(422);
    expect(invalid.body).toMatchObject({ error: 'schema-invalid' });
    expect(invalid.body.message).toMatch(/line \d+, column \d+/);
    const refusals = (await audit.forDocument('none')).slice(refusalsBefore);
    expect(refusals.map((r) => `${r.routeId} ${r.outcome} ${r.detail?.split(':').slice(0, 2).join(':')}`)).toEqual([
      'rechnungen refused rest: not-an-invoice',
      'rechnungen refused rest: schema-invalid',
    ]);
    expect(await totalJobs(queues!)).toEqual(before);
  });

  it('stops loading the configuration with a path-named message for a bad connector option', async () => {
    const bad = ROUTES.replace('connector: xrechnung ', 'connector: { type: xrechnung, rules: ignore } ').replace('messageId: "urn:de:xta:messageid:4711"', 'messageId: ""');
    expect(bad).not.toBe(ROUTES);
    const failure = await testInstallation(bad).then(
      (other) => {
        rmDir(other.dir);
        throw new Error('the bad routes were loaded');
      },
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ConfigError);
    const message = (failure as ConfigError).message;
    expect(message).toMatch(/routes\.rechnungen\.connector\.rules: Invalid option/);
    expect(message).toMatch(/routes\.briefkasten\.sources\[0\]\.messageId: Too small/);
  });

  it('stops the sources on shutdown through the abort signal', async () => {
    await running!.close();
    running = undefined;
    expect(stoppedBySignal).toBe(true);
  });
});
