import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Queue } from 'bullmq';
import { AuditLog } from '@app/audit';
import type { QueueName } from '@app/queue';
import { startApplication, type RunningApp } from '@app/runtime';
import { testInstallation, type TestInstallation } from '@app/testing';
import { ANALYSIS_STEPS_YAML, closeQueues, dropInstallationKeys, http, loadApps, openQueues, rmDir, totalJobs } from './support.js';

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
`;

function soapEnvelope(content: Buffer): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:s="urn:schnittstelle:v1">
  <soap:Body><s:submitDocument><s:routeId>akten</s:routeId><s:content>${content.toString('base64')}</s:content><s:contentType>application/xml</s:contentType></s:submitDocument></soap:Body>
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
    await dropInstallationKeys(installation.config);
    rmDir(installation?.dir);
  });

  it('names an expected refusal for every file, and a file for every expectation', () => {
    expect(files.sort()).toEqual(Object.keys(expected).filter((k) => !k.startsWith('_')).sort());
  });

  it.each(files)('%s is refused over REST with a 4xx naming the problem', async (file) => {
    const answer = await http(`${running.baseUrl}/api/v1/documents?route=akten`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
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
      body: soapEnvelope(fs.readFileSync(path.join(NOT_OK, file))),
    });
    expect(answer.status).toBe(500);
    expect(answer.text).toMatch(/<faultcode>[^<]*Client<\/faultcode>/);
    expect(answer.text).toContain(expected[file]);
    expect(answer.text).not.toContain('root:x:0:0');
  });

  it('enqueued nothing, audited every refusal, and stays ready', async () => {
    expect(Object.values(await totalJobs(queues)).reduce((a, b) => a + b, 0)).toBe(0);
    const audit = await AuditLog.open(installation.config.auditDatabaseUrl);
    try {
      const refusals = await audit.forDocument('none');
      expect(refusals.filter((r) => r.outcome === 'refused')).toHaveLength(files.length * 2);
      expect((await audit.verify()).ok).toBe(true);
    } finally {
      await audit.close();
    }
    expect((await http(`${running.baseUrl}/health/ready`)).status).toBe(200);
  });
});
