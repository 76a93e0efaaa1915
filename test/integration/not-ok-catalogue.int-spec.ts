import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Queue } from 'bullmq';
import { AuditLog } from '@app/audit';
import type { QueueName } from '@app/queue';
import { startApplication, type RunningApp } from '@app/runtime';
import { testInstallation, type TestInstallation } from '@app/testing';
import { ANALYSIS_STEPS_YAML, closeQueues, http, loadApps, openQueues, removeInstallation, totalJobs } from './support.js';

/** Every file in test/fixtures/not-ok/ with the refusal expected for it; a file added there is tested too. */
const NOT_OK = path.resolve(process.cwd(), 'test/fixtures/not-ok');
const expected = JSON.parse(fs.readFileSync(path.join(NOT_OK, 'expected.json'), 'utf8')) as Record<string, string>;
const files = fs.readdirSync(NOT_OK).filter((f) => f !== 'expected.json');

const ROUTES = `
routes:
  akten:
    accept: [rest, soap, folder]
    validation: catalogue
    steps:${ANALYSIS_STEPS_YAML}
    writeback:
      type: folder
  container:
    accept: [rest, soap]
    connector: xdomea
    steps:${ANALYSIS_STEPS_YAML}
    writeback:
      type: folder
`;

/** XML files go to the route validating against the schema catalogue, ZIP containers to the xdomea route. */
const target = (file: string) => (file.endsWith('.zip') ? { route: 'container', type: 'application/zip' } : { route: 'akten', type: 'application/xml' });

function soapEnvelope(content: Buffer, { route, type } = target('.xml')): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:s="urn:schnittstelle:v1">
  <soap:Body><s:submitDocument><s:routeId>${route}</s:routeId><s:content>${content.toString('base64')}</s:content><s:contentType>${type}</s:contentType></s:submitDocument></soap:Body>
</soap:Envelope>`;
}

describe('the catalogue of hostile and broken input (test/fixtures/not-ok)', () => {
  let installation: TestInstallation;
  let running: RunningApp;
  let queues: Record<QueueName, Queue>;

  beforeAll(async () => {
    installation = await testInstallation(ROUTES);
    running = await startApplication(installation.config, await loadApps(), { processName: 'test', quiet: true });
    queues = openQueues(installation.config);
  });

  afterAll(async () => {
    await closeQueues(queues);
    await running?.close();
    await removeInstallation(installation);
  });

  it('names an expected refusal for every file, and a file for every expectation', () => {
    expect(files.sort()).toEqual(Object.keys(expected).filter((k) => !k.startsWith('_')).sort());
  });

  it.each(files)('%s is refused over REST with a 4xx naming the problem', async (file) => {
    const { route, type } = target(file);
    const answer = await http(`${running.baseUrl}/api/v1/documents?route=${route}`, {
      method: 'POST',
      headers: { 'content-type': type },
      body: fs.readFileSync(path.join(NOT_OK, file)),
    });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(answer.body.error).toBe(expected[file]);
    expect(answer.body.message.length).toBeGreaterThan(10);
    expect(answer.text).not.toContain('root:x:0:0');
  });

  it.each(files)('%s is refused over SOAP with a Client fault carrying the same code', async (file) => {
    const answer = await http(`${running.baseUrl}/soap/v1`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:schnittstelle:v1#submitDocument"' },
      body: soapEnvelope(fs.readFileSync(path.join(NOT_OK, file)), target(file)),
    });
    // A fault travels with 500, except for a body too large (413), as for any HTTP client.
    expect(answer.status).toBe(expected[file] === 'zip-bomb' ? 413 : 500);
    expect(answer.text).toMatch(/<faultcode>[^<]*Client<\/faultcode>/);
    expect(answer.text).toContain(expected[file]);
    expect(answer.text).not.toContain('root:x:0:0');
  });

  // Too big to keep in the repository: made here.
  describe('a 100 MB body', () => {
    const huge = Buffer.alloc(100 * 1024 * 1024, 'x');
    huge.write('<akte>');
    huge.write('</akte>', huge.length - 7);

    it('is refused over REST with 413', async () => {
      const answer = await http(`${running.baseUrl}/api/v1/documents?route=akten`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: huge });
      expect(answer.status).toBe(413);
      expect(answer.body.error).toBe('too-large');
    });

    it('is refused over SOAP with a Client fault', async () => {
      const answer = await http(`${running.baseUrl}/soap/v1`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:schnittstelle:v1#submitDocument"' },
        body: Buffer.concat([Buffer.from(soapEnvelope(Buffer.alloc(0)).split('<s:content>')[0]! + '<s:xmlDocument>'), huge, Buffer.from('</s:xmlDocument></s:submitDocument></soap:Body></soap:Envelope>')]),
      });
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.text).toMatch(/Client/);
      expect(answer.text).toMatch(/too-large|too large/);
    });
  });

  it('enqueued nothing, audited every refusal, and stays ready', async () => {
    expect(Object.values(await totalJobs(queues)).reduce((a, b) => a + b, 0)).toBe(0);
    const audit = await AuditLog.open(installation.config.auditDatabaseUrl);
    try {
      const refusals = await audit.forDocument('none');
      // Each file over REST and SOAP, and the 100 MB body over both.
      expect(refusals.filter((r) => r.outcome === 'refused').length).toBeGreaterThanOrEqual(files.length * 2);
      expect((await audit.verify()).ok).toBe(true);
    } finally {
      await audit.close();
    }
    expect((await http(`${running.baseUrl}/health/ready`)).status).toBe(200);
  });
});
