import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import soap from 'soap';
import { AuditLog } from '@app/audit';
import { DigitalSourceType } from '@app/contracts';
import { freePort, legacyWritebackYaml, removeInstallation, startLegacyStandIn, testInstallation, waitFor, type LegacyStandIn, type TestInstallation } from '@app/testing';
import { runMiddlewareToExit, startMiddleware, type MiddlewareProcess } from './support/middleware.process.js';

const SAMPLES = path.resolve(process.cwd(), '../shared/conformance/xdomea/samples/thueringen-patterns-3.0.0');
const CORPUS = path.resolve(process.cwd(), '../shared/corpus');
const sample = (name: string) => fs.readFileSync(path.join(SAMPLES, name), 'utf8');

function routes(legacyUrl: string): string {
  const steps = `
      - { id: sprache, task: detect-language }
      - { id: zusammenfassung, task: summarise, sentences: 2 }
      - id: sachgebiet
        task: classify
        labels:
          archiv: [aussonderung, archiv, bewertung, akte]
          finanzen: [steuer, gebühr, haushalt]`;
  return `
routes:
  dms:
    accept: [soap, rest, folder]
    validation: catalogue
    steps:${steps}${legacyWritebackYaml(legacyUrl)}
  ablage:
    accept: [folder, rest]
    steps:${steps}
    writeback: { type: folder }
`;
}

describe('the whole middleware as one process', () => {
  let legacy: LegacyStandIn;
  let installation: TestInstallation;
  let middleware: MiddlewareProcess;

  beforeAll(async () => {
    legacy = await startLegacyStandIn();
    installation = await testInstallation(routes(legacy.url));
    middleware = await startMiddleware(installation.env);
  });

  afterAll(async () => {
    await middleware?.stop();
    await legacy?.close();
    await removeInstallation(installation);
  });

  const callsFor = (documentId: string) => legacy.calls.filter((c) => c.args.documentId === documentId && !c.failedWith);

  it('shows every queue in Bull Board on loopback', async () => {
    const page = await fetch(`${middleware.baseUrl}/ops/queues`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    const api = (await (await fetch(`${middleware.baseUrl}/ops/queues/api/queues`)).json()) as { queues: { name: string }[] };
    expect(api.queues.map((q) => q.name).sort()).toEqual(['ai', 'dead-letter', 'intake', 'writeback']);
  });

  it('prints where everything is', () => {
    const out = middleware.output();
    for (const line of ['SOAP 1.1:', 'WSDL: ', 'REST:', 'Status:', 'Routes, AI:', 'Health:', 'Inbox dms:', 'Outbox ablage:', 'Write-back dms: SOAP storeAnalysis']) {
      expect(out).toContain(line);
    }
  });

  it.each(['1.1', '1.2'] as const)('takes an xdomea message over SOAP %s and writes the analysis back to the legacy system', async (version) => {
    const client = await soap.createClientAsync(`${middleware.baseUrl}/soap/v1?wsdl`, version === '1.2' ? { forceSoap12Headers: true } : {});
    // Pick the port of the version under test, as a legacy client configured for it would.
    client.setEndpoint(`${middleware.baseUrl}${version === '1.2' ? '/soap12/v1' : '/soap/v1'}`);
    const xml = sample('xx_Aussonderung.Aussonderung.0503.xml');
    const [answer] = await client.submitDocumentAsync({ routeId: 'dms', correlationId: `e2e-soap-${version}`, xmlDocument: xml });
    const { documentId, status, duplicate } = answer.receipt;
    expect(status).toBe('accepted');
    expect(duplicate).toBe(false);
    // Taken from the server before Express (which marks every response it serves).
    expect(client.lastResponseHeaders?.['x-powered-by']).toBeUndefined();

    const call = await waitFor('the write-back call', () => callsFor(documentId)[0]);
    expect(call.args).toMatchObject({
      documentId,
      processId: '242f44e8-bebf-4503-a086-db252c6a4277',
      messageType: '0503',
      language: 'deu',
      category: 'archiv',
    });
    // The Thüringen pattern messages hold placeholder text; the summary is made of it.
    const summary = String(call.args.summary);
    expect(summary.length).toBeGreaterThan(0);
    expect(xml).toContain(summary.split(/\s+/)[0]!);
    expect(call.args.aiLabel).toMatchObject({ provider: 'embedded', reviewState: 'unreviewed', digitalSourceType: DigitalSourceType.algorithmicMedia });
    expect(String(call.args.aiLabel.model)).toContain('embedded-textrank-de/1');

    const [statusAnswer] = await waitFor('status completed', async () => {
      const [s] = await client.getStatusAsync({ documentId });
      return s.status.state === 'completed' ? [s] : undefined;
    });
    const steps = statusAnswer.status.steps.stepStatus.map((s: { step: string; state: string }) => `${s.step}:${s.state}`);
    expect(steps).toEqual(['intake:done', 'sprache:done', 'zusammenfassung:done', 'sachgebiet:done', 'writeback:done']);
    expect(statusAnswer.status.xoev).toMatchObject({ processId: '242f44e8-bebf-4503-a086-db252c6a4277', messageTypeCode: '0503' });
  });

  it('takes all four xdomea Aussonderung messages over REST, each written back once', async () => {
    const files = fs.readdirSync(SAMPLES).filter((f) => f.endsWith('.xml'));
    expect(files).toHaveLength(4);
    const documentIds: string[] = [];
    for (const file of files) {
      const res = await fetch(`${middleware.baseUrl}/api/v1/documents?route=dms`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: sample(file) });
      expect(res.status).toBe(202);
      const receipt = (await res.json()) as { documentId: string };
      const code = /\.(\d{4})\.xml$/.exec(file)![1];
      const call = await waitFor(`write-back of ${file}`, () => callsFor(receipt.documentId)[0]);
      expect(call.args.messageType).toBe(code);
      documentIds.push(receipt.documentId);
      // A second delivery of the same message is recognised and not written back again.
      const again = await fetch(`${middleware.baseUrl}/api/v1/documents?route=dms`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: sample(file) });
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({ documentId: receipt.documentId, duplicate: true });
    }
    // Give a wrongly repeated write-back time to show itself before counting.
    await new Promise((r) => setTimeout(r, 500));
    for (const id of documentIds) expect(callsFor(id)).toHaveLength(1);
  });

  it('refuses a schema-invalid xdomea message with the line of each error, and enqueues nothing', async () => {
    const broken = sample('xx_Aussonderung.Aussonderung.0503.xml').replace(/<xdomea:Nachrichtentyp[\s\S]*?<\/xdomea:Nachrichtentyp>/, '');
    const res = await fetch(`${middleware.baseUrl}/api/v1/documents?route=dms`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: broken });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe('schema-invalid');
    expect(body.message).toMatch(/line \d+, column \d+: .*Nachrichtentyp/);
  });

  it('tells the gateway over the Redis transport what the other apps did (seen in its metrics)', async () => {
    const metrics = await waitFor('completed events counted', async () => {
      const text = await (await fetch(`${middleware.baseUrl}/ops/metrics`)).text();
      const completed = /schnittstelle_documents_completed_total\{route="dms",step="writeback"\} (\d+)/.exec(text);
      return completed && Number(completed[1]) >= 6 ? text : undefined;
    });
    expect(metrics).toMatch(/schnittstelle_documents_accepted_total\{route="dms",step="intake"\} 6/);
    expect(metrics).toMatch(/schnittstelle_steps_done_total\{route="dms",step="zusammenfassung"\} 6/);
  });

  it('takes a file from the drop folder once, moves it to processed/ and writes a labelled result to the outbox', async () => {
    const inbox = path.join(installation.config.paths.inbox, 'ablage');
    const text = fs.readFileSync(path.join(CORPUS, 'finanzen/rs-hno-satzung-waaggebuehrenordnung.txt'));
    // Written under a temporary name and renamed, as well-behaved writers do; the half-written file is never read.
    fs.mkdirSync(inbox, { recursive: true });
    fs.writeFileSync(path.join(inbox, 'satzung.txt.part'), text.subarray(0, 100));
    fs.appendFileSync(path.join(inbox, 'satzung.txt.part'), text.subarray(100));
    fs.renameSync(path.join(inbox, 'satzung.txt.part'), path.join(inbox, 'satzung.txt'));

    await waitFor('the file in processed/', () => fs.existsSync(path.join(inbox, 'processed', 'satzung.txt')));
    const outbox = path.join(installation.config.paths.outbox, 'ablage');
    const [result] = await waitFor('the outbox file', () => {
      const files = fs.existsSync(outbox) ? fs.readdirSync(outbox).filter((f) => f.endsWith('.xml')) : [];
      return files.length ? files : undefined;
    });
    const xml = fs.readFileSync(path.join(outbox, result!), 'utf8');
    expect(xml).toContain('<Filename>satzung.txt</Filename>');
    expect(xml).toContain('<AiLabel aiGenerated="true">');
    expect(xml).toContain(`<DigitalSourceType>${DigitalSourceType.algorithmicMedia}</DigitalSourceType>`);
    expect(xml).toContain('<Label>finanzen</Label>');
    expect(xml).toContain('Waaggebühren');
    expect(fs.readdirSync(inbox).filter((f) => !['processed', 'failed', '.work'].includes(f))).toEqual([]);
  });

  it('moves a file it cannot take to failed/ with a reason', async () => {
    const inbox = path.join(installation.config.paths.inbox, 'ablage');
    fs.writeFileSync(path.join(inbox, 'kaputt.xml'), '<a><b></a>');
    await waitFor('the reason file', () => fs.existsSync(path.join(inbox, 'failed', 'kaputt.xml.reason.txt')));
    expect(fs.readFileSync(path.join(inbox, 'failed', 'kaputt.xml.reason.txt'), 'utf8')).toMatch(/not well-formed/);
  });

  it('answers REST with JSON text and reports the status with every step', async () => {
    const res = await fetch(`${middleware.baseUrl}/api/v1/documents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ routeId: 'ablage', contentType: 'text/plain', content: 'Der Gemeinderat hat die Hundesteuer neu festgesetzt. Die Steuer wird am 1. Juli fällig. Rückfragen beantwortet die Stadtkasse.' }),
    });
    expect(res.status).toBe(202);
    const receipt = (await res.json()) as { documentId: string; statusUrl: string };
    const status = await waitFor('completed', async () => {
      const s = (await (await fetch(receipt.statusUrl)).json()) as { state: string; results: Record<string, { output: Record<string, unknown> }> };
      return s.state === 'completed' ? s : undefined;
    });
    expect(status.results.sachgebiet!.output.label).toBe('finanzen');
    expect(status.results.sprache!.output.language).toBe('deu');
  });
});

describe('start-up without Redis', () => {
  // Only their folders: these installations never reached Redis (or one that is not there).
  const folders: string[] = [];
  afterAll(() => {
    for (const dir of folders) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stops at once with a message that names the ways out, exit code non-zero', async () => {
    const installation = await testInstallation('routes:\n  a:\n    steps: [{ id: s, task: detect-language }]\n    writeback: { type: folder }\n', { REDIS_URL: 'redis://127.0.0.1:9' });
    folders.push(installation.dir);
    const { code, output } = await runMiddlewareToExit(installation.env);
    expect(code).not.toBe(0);
    expect(output).toContain('Redis does not answer at redis://127.0.0.1:9 (REDIS_URL)');
    expect(output).toContain('set REDIS_URL');
    expect(output).toContain('install redis-server');
    expect(output).toContain('docker/compose.yaml');
  });

  it('stops with a message naming a bad routes key', async () => {
    const installation = await testInstallation('routes:\n  a:\n    steps: [{ id: s, task: detect-language }]\n    writeback: { type: folder }\n');
    folders.push(installation.dir);
    fs.writeFileSync(installation.env.SCHNITTSTELLE_ROUTES!, 'routes:\n  a:\n    steps: [{ id: s, task: detect-language, colour: blue }]\n    writeback: { type: folder }\n');
    const { code, output } = await runMiddlewareToExit(installation.env);
    expect(code).toBe(2);
    expect(output).toMatch(/routes\.a\.steps\[0\].*colour/);
  });
});

describe('the three apps as separate processes against one Redis', () => {
  let legacy: LegacyStandIn;
  let installation: TestInstallation | undefined;
  const running: MiddlewareProcess[] = [];

  beforeAll(async () => {
    legacy = await startLegacyStandIn();
  });

  afterAll(async () => {
    for (const process of running) await process.stop();
    await legacy?.close();
    await removeInstallation(installation);
  });

  it('carries a document from the gateway through the AI worker to the write-back', async () => {
    installation = await testInstallation(routes(legacy.url));
    // Each app on its own port, sharing only Redis (and, as on one machine, the var folder for the audit log).
    for (const app of ['gateway', 'ai-worker', 'writeback']) {
      const env = { ...installation.env, HTTP_PORT: String(await freePort()) };
      running.push(await startMiddleware(env, `dist/apps/${app}/src/main.js`));
    }
    const [gateway, worker, writeback] = running;
    expect(gateway!.output()).toContain('SOAP 1.1:');
    expect(worker!.output()).not.toContain('SOAP 1.1:');
    expect(writeback!.output()).toContain('Write-back dms: SOAP storeAnalysis');

    const res = await fetch(`${gateway!.baseUrl}/api/v1/documents?route=dms`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml', 'x-correlation-id': 'e2e-separate-0501' },
      body: sample('xx_Aussonderung.Anbieteverzeichnis.0501.xml'),
    });
    expect(res.status).toBe(202);
    const { documentId } = (await res.json()) as { documentId: string };
    const call = await waitFor('the write-back call from the write-back process', () => legacy.calls.find((c) => c.args.documentId === documentId && !c.failedWith));
    expect(call.args).toMatchObject({ messageType: '0501', language: 'deu' });
    expect(call.args.aiLabel).toMatchObject({ provider: 'embedded' });
    // Only the worker process ran AI steps, only the write-back process called the legacy system: each is health-checked alone.
    for (const app of running) expect((await fetch(`${app.baseUrl}/health/ready`)).status).toBe(200);
    // Three processes, each appending on its own writer thread, kept one unbroken chain in the shared file.
    const audit = await AuditLog.open(installation.config.auditDatabaseUrl, { writerThread: false });
    try {
      // The write-back process appends its record once the legacy system has answered.
      const steps = await waitFor('the write-back in the audit log', async () => {
        const found = (await audit.forDocument(documentId)).map((record) => `${record.step}:${record.outcome}`);
        return found.includes('writeback:written-back') ? found : undefined;
      });
      expect(steps).toEqual(['intake:accepted', 'intake:done', 'sprache:done', 'zusammenfassung:done', 'sachgebiet:done', 'writeback:written-back']);
      expect((await audit.verify()).ok).toBe(true);
    } finally {
      await audit.close();
    }
  });
});
