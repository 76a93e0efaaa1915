import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import soap from 'soap';
import { AuditLog } from '@app/audit';
import type { QueueName } from '@app/queue';
import { redisOptionsFromUrl } from '@app/queue';
import { startApplication, type RunningApp } from '@app/runtime';
import { testInstallation, waitFor, type TestInstallation } from '@app/testing';
import {
  ANALYSIS_STEPS_YAML,
  BUILDING_LETTER,
  callSoap11,
  closeQueues,
  getStatus,
  http,
  loadApps,
  openQueues,
  postDocument,
  removeInstallation,
  totalJobs,
  type HttpAnswer,
} from './support.js';

/** Small, so that "too large" is cheap to send; the SOAP endpoint allows 2x + 64 KiB for base64 and envelope. */
const MAX_BODY_BYTES = 4000;
const ROUTE_LIMIT = 100;

const ROUTES = `
routes:
  texte:
    accept: [rest, soap]
    steps:${ANALYSIS_STEPS_YAML}
    writeback:
      type: folder
  klein:
    accept: [rest, soap]
    maxBodyBytes: ${ROUTE_LIMIT}
    steps:${ANALYSIS_STEPS_YAML}
    writeback:
      type: folder
  nur-rest:
    accept: [rest]
    steps:${ANALYSIS_STEPS_YAML}
    writeback:
      type: folder
`;

const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';
const TNS = 'urn:schnittstelle:v1';

const XXE_DOCUMENT =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<!DOCTYPE brief [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> <!ENTITY lol "lol"> ]>\n' +
  '<brief><text>&xxe;&lol;</text></brief>';

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function envelope11(body: string, prolog = ''): string {
  return `${prolog}<soap:Envelope xmlns:soap="${SOAP11_NS}" xmlns:tns="${TNS}"><soap:Body>${body}</soap:Body></soap:Envelope>`;
}

function envelope12(body: string, prolog = ''): string {
  return `${prolog}<env:Envelope xmlns:env="${SOAP12_NS}" xmlns:tns="${TNS}"><env:Body>${body}</env:Body></env:Envelope>`;
}

function submit(routeId: string, xmlDocument: string): string {
  return `<tns:submitDocument><tns:routeId>${routeId}</tns:routeId><tns:xmlDocument>${escapeXml(xmlDocument)}</tns:xmlDocument></tns:submitDocument>`;
}

interface Fault {
  status: number;
  contentType: string;
  code: string;
  text: string;
  detailCode?: string;
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]!);
}

function between(text: string, open: RegExp, close: string): string | undefined {
  const m = open.exec(text);
  if (!m) return undefined;
  const start = m.index + m[0].length;
  const end = text.indexOf(close, start);
  return end === -1 ? undefined : unescapeXml(text.slice(start, end));
}

/** A SOAP 1.1 fault: soap:Fault with faultcode and faultstring, nothing else in the Body. */
function fault11(answer: HttpAnswer<string>): Fault {
  const text = answer.text;
  expect(text).toContain(`xmlns:soap="${SOAP11_NS}"`);
  expect(text).toMatch(/<soap:Body><soap:Fault>/);
  const code = between(text, /<faultcode>/, '</faultcode>');
  const faultstring = between(text, /<faultstring>/, '</faultstring>');
  expect(code).toBeDefined();
  expect(faultstring).toBeDefined();
  return { status: answer.status, contentType: answer.headers.get('content-type') ?? '', code: code!, text: faultstring!, detailCode: between(text, /<s:code>/, '</s:code>') };
}

/** A SOAP 1.2 fault: env:Fault with Code/Value and Reason/Text. */
function fault12(answer: HttpAnswer<string>): Fault {
  const text = answer.text;
  expect(text).toContain(`="${SOAP12_NS}"`);
  const code = between(text, /<(\w+):Code><\1:Value>/, '</');
  const reason = between(text, /<(\w+):Reason><\1:Text[^>]*>/, '</');
  expect(code).toBeDefined();
  expect(reason).toBeDefined();
  return { status: answer.status, contentType: answer.headers.get('content-type') ?? '', code: code!, text: reason!, detailCode: between(text, /<s:code>/, '</s:code>') };
}

describe('refusals: bad input over REST and SOAP is answered precisely and enqueues nothing', () => {
  let installation: TestInstallation;
  let running: RunningApp | undefined;
  let queues: Record<QueueName, Queue> | undefined;
  let redis: Redis | undefined;
  let audit: AuditLog | undefined;
  let baseUrl: string;

  beforeAll(async () => {
    installation = await testInstallation(ROUTES, { MAX_BODY_BYTES: String(MAX_BODY_BYTES) });
    expect(installation.config.limits.maxBodyBytes).toBe(MAX_BODY_BYTES);
    running = await startApplication(installation.config, await loadApps(), { processName: 'test', quiet: true });
    baseUrl = running.baseUrl;
    queues = openQueues(installation.config);
    redis = new Redis({ ...redisOptionsFromUrl(installation.config.redis.url), maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    try {
      await running?.close();
    } finally {
      await closeQueues(queues);
      await redis?.quit();
      await audit?.close();
      await removeInstallation(installation);
    }
  });

  const post11 = (body: string | Buffer, headers: Record<string, string> = {}) =>
    http<string>(`${baseUrl}/soap/v1`, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', ...headers }, body });
  const post12 = (body: string | Buffer, headers: Record<string, string> = {}) =>
    http<string>(`${baseUrl}/soap12/v1`, { method: 'POST', headers: { 'content-type': 'application/soap+xml; charset=utf-8', ...headers }, body });

  function expectJsonError(answer: HttpAnswer, status: number, error: string, mentions: string | RegExp): void {
    expect({ status: answer.status, type: answer.headers.get('content-type') }).toEqual({ status, type: expect.stringContaining('application/json') });
    expect(answer.body.error).toBe(error);
    expect(Object.keys(answer.body).sort()).toEqual(['error', 'message']);
    if (typeof mentions === 'string') expect(answer.body.message).toContain(mentions);
    else expect(answer.body.message).toMatch(mentions);
  }

  describe('REST', () => {
    it('not XML, declared as XML: 400 not-xml naming the problem', async () => {
      const answer = await postDocument(baseUrl, 'texte', 'Das ist kein <XML', 'application/xml');
      expectJsonError(answer, 400, 'not-xml', /tag|'<'|root/);
    });

    it('unknown route: 404 unknown-route naming it and the known routes', async () => {
      const answer = await postDocument(baseUrl, 'gibt-es-nicht', BUILDING_LETTER);
      expectJsonError(answer, 404, 'unknown-route', 'unknown route "gibt-es-nicht"');
      expect(answer.body.message).toContain('texte');
    });

    it('no route named at all: 400 no-route', async () => {
      const answer = await http(`${baseUrl}/api/v1/documents`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: BUILDING_LETTER });
      expectJsonError(answer, 400, 'no-route', 'route');
    });

    it('empty body: 400 empty', async () => {
      const answer = await postDocument(baseUrl, 'texte', '');
      expectJsonError(answer, 400, 'empty', 'empty');
    });

    it('oversized body, plain and as JSON: 413 with a JSON body, before anything is read into the intake', async () => {
      const plain = await postDocument(baseUrl, 'texte', 'x'.repeat(MAX_BODY_BYTES + 1000));
      expect(plain.status).toBe(413);
      expect(plain.headers.get('content-type')).toContain('application/json');
      const json = await http(`${baseUrl}/api/v1/documents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ routeId: 'texte', content: 'x'.repeat(MAX_BODY_BYTES + 1000) }),
      });
      expect(json.status).toBe(413);
      expect(json.headers.get('content-type')).toContain('application/json');
    });

    it('a document over its route\'s own limit (under the body limit): 413 too-large naming the route and its limit', async () => {
      const plain = await postDocument(baseUrl, 'klein', 'x'.repeat(ROUTE_LIMIT + 1));
      expectJsonError(plain, 413, 'too-large', `route "klein" takes at most ${ROUTE_LIMIT}`);
      const json = await http(`${baseUrl}/api/v1/documents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ routeId: 'klein', content: 'x'.repeat(ROUTE_LIMIT + 1) }),
      });
      expectJsonError(json, 413, 'too-large', `takes at most ${ROUTE_LIMIT}`);
    });

    // Body-parser errors arise before any controller; they are answered in the same { error, message } form.
    it('an oversized REST body is answered { error: "too-large", message naming the limit }', async () => {
      const answer = await postDocument(baseUrl, 'texte', 'x'.repeat(MAX_BODY_BYTES + 1000));
      expectJsonError(answer, 413, 'too-large', String(MAX_BODY_BYTES));
    });

    it('an oversized JSON submission is answered { error: "too-large", message naming the limit }', async () => {
      const answer = await http(`${baseUrl}/api/v1/documents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ routeId: 'texte', content: 'x'.repeat(MAX_BODY_BYTES + 1000) }),
      });
      expectJsonError(answer, 413, 'too-large', String(MAX_BODY_BYTES));
    });

    it('malformed JSON is answered { error: "bad-json", message }', async () => {
      const answer = await http(`${baseUrl}/api/v1/documents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"routeId": "texte",' });
      expectJsonError(answer, 400, 'bad-json', 'JSON');
    });

    it('XXE (DOCTYPE with an external entity): 400 doctype, nothing of the entity read', async () => {
      const answer = await postDocument(baseUrl, 'texte', XXE_DOCUMENT, 'application/xml');
      expectJsonError(answer, 400, 'doctype', 'DOCTYPE');
      expect(answer.text).not.toContain('root:');
    });

    it('malformed JSON: 400 with a JSON body', async () => {
      const badJson = await http(`${baseUrl}/api/v1/documents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"routeId": "texte",' });
      expect(badJson.status).toBe(400);
      expect(badJson.headers.get('content-type')).toContain('application/json');
    });

    it('a JSON submission that misses fields, unsupported media types, text that is not UTF-8: 400 / 415', async () => {
      const missing = await http(`${baseUrl}/api/v1/documents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ routeId: 'texte' }) });
      expectJsonError(missing, 400, 'bad-request', 'content');
      const pdf = await postDocument(baseUrl, 'texte', '%PDF-1.7 ...', 'application/pdf');
      expectJsonError(pdf, 415, 'unsupported-content-type', 'application/pdf');
      const latin1 = await postDocument(baseUrl, 'texte', Buffer.from([0x47, 0x72, 0xfc, 0xdf, 0x65]), 'text/plain');
      expectJsonError(latin1, 400, 'encoding', 'UTF-8');
    });
  });

  describe('SOAP 1.1 (/soap/v1): soap:Client faults with faultcode and faultstring', () => {
    it('not XML', async () => {
      const f = fault11(await post11('das ist kein XML'));
      expect(f).toMatchObject({ status: 500, code: 'soap:Client', detailCode: 'not-xml' });
      expect(f.contentType).toContain('text/xml');
      expect(f.text).toContain('not acceptable XML');
    });

    it('wrong operation', async () => {
      const f = fault11(await post11(envelope11('<tns:deleteDocument><tns:documentId>1</tns:documentId></tns:deleteDocument>')));
      expect(f).toMatchObject({ status: 500, code: 'soap:Client', detailCode: 'unknown-operation' });
      expect(f.text).toContain('unknown operation deleteDocument');
      expect(f.text).toContain('submitDocument');
    });

    it('unknown route', async () => {
      const f = fault11(await post11(envelope11(submit('gibt-es-nicht', BUILDING_LETTER.slice(0, 200)))));
      expect(f).toMatchObject({ status: 500, code: 'soap:Client', detailCode: 'unknown-route' });
      expect(f.text).toContain('unknown route "gibt-es-nicht"');
    });

    it('a route that does not take SOAP', async () => {
      const f = fault11(await post11(envelope11(submit('nur-rest', '<brief>Hallo</brief>'))));
      expect(f).toMatchObject({ code: 'soap:Client', detailCode: 'channel-not-accepted' });
      expect(f.text).toContain('does not accept documents over soap');
    });

    it('empty body', async () => {
      const f = fault11(await post11(''));
      expect(f).toMatchObject({ status: 500, code: 'soap:Client', detailCode: 'empty' });
      expect(f.text).toContain('empty');
    });

    it('oversized envelope (over the endpoint limit) and oversized document inside a small enough envelope', async () => {
      const huge = envelope11(submit('texte', `<brief>${'x'.repeat(MAX_BODY_BYTES * 2 + 70 * 1024)}</brief>`));
      const f = fault11(await post11(huge));
      expect(f).toMatchObject({ status: 413, code: 'soap:Client', detailCode: 'too-large' });
      expect(f.text).toContain('at most');

      const document = `<brief>${'x'.repeat(MAX_BODY_BYTES + 500)}</brief>`;
      const g = fault11(await post11(envelope11(submit('texte', document))));
      expect(g).toMatchObject({ status: 413, code: 'soap:Client', detailCode: 'too-large' });
      expect(g.text).toContain(`takes at most ${MAX_BODY_BYTES}`);
    });

    it('XXE in the envelope itself and in the submitted document', async () => {
      const inEnvelope = envelope11(submit('texte', '<brief>x</brief>'), '<?xml version="1.0"?><!DOCTYPE soap:Envelope [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>');
      const f = fault11(await post11(inEnvelope));
      expect(f).toMatchObject({ code: 'soap:Client', detailCode: 'doctype' });
      expect(f.text).toContain('DOCTYPE');

      const inDocument = fault11(await post11(envelope11(submit('texte', XXE_DOCUMENT))));
      expect(inDocument).toMatchObject({ code: 'soap:Client', detailCode: 'doctype' });
      expect(inDocument.text).toContain('DOCTYPE');
      expect(inDocument.text).not.toContain('root:');
    });

    it('wrong Content-Type and a SOAP 1.2 envelope', async () => {
      const f = fault11(await post11(envelope11(submit('texte', '<brief>x</brief>')), { 'content-type': 'application/json' }));
      expect(f).toMatchObject({ status: 415, code: 'soap:Client', detailCode: 'content-type' });
      const v = fault11(await post11(envelope12(submit('texte', '<brief>x</brief>'))));
      expect(v).toMatchObject({ status: 500, code: 'soap:VersionMismatch' });
    });
  });

  describe('SOAP 1.2 (/soap12/v1): env:Sender faults with Code and Reason', () => {
    it('not XML', async () => {
      const f = fault12(await post12('das ist kein XML'));
      expect(f).toMatchObject({ status: 400, code: 'env:Sender', detailCode: 'not-xml' });
      expect(f.contentType).toContain('application/soap+xml');
    });

    it('wrong operation', async () => {
      const f = fault12(await post12(envelope12('<tns:deleteDocument><tns:documentId>1</tns:documentId></tns:deleteDocument>')));
      expect(f).toMatchObject({ status: 400, code: 'env:Sender', detailCode: 'unknown-operation' });
      expect(f.text).toContain('unknown operation deleteDocument');
    });

    it('unknown route', async () => {
      const f = fault12(await post12(envelope12(submit('gibt-es-nicht', '<brief>Hallo</brief>'))));
      expect(f).toMatchObject({ status: 400, code: 'env:Sender', detailCode: 'unknown-route' });
      expect(f.text).toContain('unknown route "gibt-es-nicht"');
    });

    it('empty body', async () => {
      const f = fault12(await post12(''));
      expect(f).toMatchObject({ status: 400, code: 'env:Sender', detailCode: 'empty' });
    });

    it('oversized envelope', async () => {
      const f = fault12(await post12(envelope12(submit('texte', `<brief>${'x'.repeat(MAX_BODY_BYTES * 2 + 70 * 1024)}</brief>`))));
      expect(f).toMatchObject({ status: 413, code: 'env:Sender', detailCode: 'too-large' });
    });

    it('XXE', async () => {
      const f = fault12(await post12(envelope12(submit('texte', XXE_DOCUMENT))));
      expect(f).toMatchObject({ status: 400, code: 'env:Sender', detailCode: 'doctype' });
      const g = fault12(await post12(envelope12(submit('texte', '<brief>x</brief>'), '<!DOCTYPE x [ <!ENTITY a "b"> ]>')));
      expect(g).toMatchObject({ code: 'env:Sender', detailCode: 'doctype' });
    });

    it('node-soap\'s top-level methods (bound to the last port, SOAP 1.2, but sending 1.1) get a VersionMismatch it can read', async () => {
      // Not a refusal of bad input but a pitfall for callers: documented here so the contract's claim
      // "node-soap can use it" is read with client.SchnittstelleService.SchnittstelleSoap11.<op>.
      const client = await soap.createClientAsync(`${baseUrl}/soap/v1?wsdl`);
      await expect(client.submitDocumentAsync({ routeId: 'texte', xmlDocument: '<brief>x</brief>' })).rejects.toThrow(
        /VersionMismatch.*SOAP 1\.1 envelope sent to a SOAP 1\.2 endpoint/,
      );
    });

    it('a SOAP 1.1 envelope: VersionMismatch with an Upgrade header', async () => {
      const answer = await post12(envelope11(submit('texte', '<brief>x</brief>')));
      expect(answer.status).toBe(500);
      expect(answer.text).toContain('VersionMismatch');
      expect(answer.text).toContain('Upgrade');
    });
  });

  describe('afterwards', () => {
    it('no job exists in any queue and no document was stored', async () => {
      expect(await totalJobs(queues!)).toEqual({ intake: 0, ai: 0, writeback: 0, 'dead-letter': 0 });
      const [, docKeys] = await redis!.scan('0', 'MATCH', `${installation.config.queue.prefix}:doc:*`, 'COUNT', 10_000);
      expect(docKeys).toEqual([]);
    });

    it('refusals that reached the intake are audited as refused, nothing as accepted', async () => {
      audit = await AuditLog.open(installation.config.auditDatabaseUrl);
      const refused = await audit.forDocument('none');
      expect(refused.length).toBeGreaterThan(0);
      expect(refused.every((r) => r.outcome === 'refused' && r.step === 'intake')).toBe(true);
      const details = refused.map((r) => r.detail ?? '');
      expect(details.some((d) => d.startsWith('rest: unknown-route'))).toBe(true);
      expect(details.some((d) => d.startsWith('soap: unknown-route'))).toBe(true);
      expect(details.some((d) => d.startsWith('soap: doctype'))).toBe(true);
      // The refusals are the whole log: nothing was accepted.
      expect(await audit.verify()).toEqual({ ok: true, checked: refused.length });
    });

    it('the service is still ready', async () => {
      const ready = await http(`${baseUrl}/health/ready`);
      expect(ready.status).toBe(200);
      expect(ready.body.status).toBe('ok');
    });

    it('and a good call with the node-soap client from the served WSDL is taken in and processed (the counts above were not blind)', async () => {
      const client = await soap.createClientAsync(`${baseUrl}/soap/v1?wsdl`);
      const result = await callSoap11(client, 'submitDocument', { routeId: 'texte', correlationId: 'AZ-2024-0815', xmlDocument: `<brief><text>${BUILDING_LETTER}</text></brief>` });
      expect(result.receipt).toMatchObject({ routeId: 'texte', status: 'accepted', duplicate: false, correlationId: 'AZ-2024-0815' });
      const documentId: string = result.receipt.documentId;
      await waitFor('good SOAP document completed', async () => ((await getStatus(baseUrl, documentId)).state === 'completed' ? true : undefined));
      const counts = await totalJobs(queues!);
      expect(counts).toEqual({ intake: 1, ai: 3, writeback: 1, 'dead-letter': 0 });

      const status = await callSoap11(client, 'getStatus', { documentId });
      expect(status.status).toMatchObject({ documentId, state: 'completed', correlationId: 'AZ-2024-0815' });
      expect((await http(`${baseUrl}/health/ready`)).status).toBe(200);
    });
  });
});
