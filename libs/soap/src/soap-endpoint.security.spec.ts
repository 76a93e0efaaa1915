import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Redis } from 'ioredis';
import soap from 'soap';
import { redisOptionsFromUrl } from '@app/queue';
import { TEST_REDIS_URL } from '@app/testing';
import { inspectXml, XmlWorkerPool } from '@app/xml';
import { XOP_NAMESPACE } from './mtom.reader.js';
import { hashPassword } from './password.hash.js';
import { mountSoapEndpoint } from './soap-endpoint.server.js';
import { SOAP_ENVELOPE_TASK } from './soap-envelope.reader.js';
import type { EnvelopeReading } from './soap-envelope.reader.js';
import type { SoapHandlerContext, SoapRefusalContext } from './soap-endpoint.server.js';
import { SOAP11_ENVELOPE_NAMESPACE, SOAP12_ENVELOPE_NAMESPACE } from './soap-fault.builder.js';
import { SOAP_XML_WORKER_TASKS } from './soap-xml.tasks.js';
import { RedisNonceStore } from './ws-security.nonces.js';
import { FAILED_AUTHENTICATION_MESSAGE, UsernameTokenVerifier, WSSE_NAMESPACE, WsSecurityError } from './ws-security.verifier.js';
import { setWsdlAddresses } from './wsdl.inspector.js';
import type { SoapVersion } from './wsdl.inspector.js';

const CONTRACT = readFileSync('contracts/schnittstelle/v1/schnittstelle.wsdl', 'utf8');
const TNS = 'urn:schnittstelle:v1';
const MAX_BODY = 256 * 1024;
const NS: Record<SoapVersion, string> = { '1.1': SOAP11_ENVELOPE_NAMESPACE, '1.2': SOAP12_ENVELOPE_NAMESPACE };
const PATH: Record<SoapVersion, string> = { '1.1': '/soap/v1', '1.2': '/soap12/v1' };
const PORT: Record<SoapVersion, string> = { '1.1': 'SchnittstelleSoap11', '1.2': 'SchnittstelleSoap12' };
const prefix = `t${randomUUID().slice(0, 8)}`;
// The endpoint with tokens reads its envelopes on a worker thread of the build, as the gateway does; the open one in-process.
const workers = new XmlWorkerPool({ size: 1, workerFile: 'dist/libs/soap/src/soap-xml.worker.js', tasks: SOAP_XML_WORKER_TASKS });

let redis: Redis;
const servers: Server[] = [];
let secured: string;
let open: string;
const calls: Array<{ args: any; ctx: SoapHandlerContext }> = [];
const refused: Array<{ refusal: WsSecurityError; ctx: SoapRefusalContext }> = [];

const receipt = { documentId: 'doc-1', status: 'accepted', routeId: 'akten', duplicate: false, statusUrl: 'http://127.0.0.1/documents/doc-1' };
const handlers = {
  submitDocument: async (args: any, ctx: SoapHandlerContext) => (calls.push({ args, ctx }), { receipt }),
  getStatus: async (args: any, ctx: SoapHandlerContext) => (calls.push({ args, ctx }), { status: { documentId: 'doc-1', routeId: 'akten', state: 'accepted', receivedAt: new Date().toISOString() } }),
};

async function serve(withSecurity: boolean): Promise<string> {
  const app = express();
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  servers.push(server);
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const wsdlXml = setWsdlAddresses(CONTRACT, { SchnittstelleSoap11: `${base}/soap/v1`, SchnittstelleSoap12: `${base}/soap12/v1` });
  const security = withSecurity
    ? {
        verifier: new UsernameTokenVerifier({
          users: [
            { username: 'dms', passwordHash: await hashPassword('Geheim-123') },
            { username: 'melde', digestPassword: 'Digest-Geheim' },
          ],
          maxAgeSeconds: 300,
          clockSkewSeconds: 60,
          nonces: new RedisNonceStore(redis, prefix),
        }),
        onRefused: (refusal: WsSecurityError, ctx: SoapRefusalContext) => void refused.push({ refusal, ctx }),
      }
    : undefined;
  for (const version of ['1.1', '1.2'] as const) {
    await mountSoapEndpoint(app, {
      path: PATH[version],
      version,
      wsdlXml,
      serviceName: 'SchnittstelleService',
      portName: PORT[version],
      handlers,
      maxBodyBytes: MAX_BODY,
      ...(security ? { security, envelopeReader: (input) => workers.run<EnvelopeReading>(SOAP_ENVELOPE_TASK, input) } : {}),
    });
  }
  return base;
}

beforeAll(async () => {
  redis = new Redis({ ...redisOptionsFromUrl(TEST_REDIS_URL), maxRetriesPerRequest: 1 });
  secured = await serve(true);
  open = await serve(false);
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
  await workers.close();
});

beforeEach(() => {
  calls.length = 0;
  refused.length = 0;
});

interface RawResponse {
  status: number;
  contentType: string;
  body: string;
}

function post(url: string, body: string | Buffer, headers: Record<string, string>): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const contentType = (version: SoapVersion) => (version === '1.1' ? 'text/xml; charset=utf-8' : 'application/soap+xml; charset=utf-8');
const submitBody = `<t:submitDocument xmlns:t="${TNS}"><t:routeId>akten</t:routeId><t:xmlDocument>&lt;a/&gt;</t:xmlDocument></t:submitDocument>`;

function envelope(version: SoapVersion, header: string, body = submitBody): string {
  return `<?xml version="1.0" encoding="UTF-8"?><e:Envelope xmlns:e="${NS[version]}">${header ? `<e:Header>${header}</e:Header>` : ''}<e:Body>${body}</e:Body></e:Envelope>`;
}

/** node-soap's own WS-Security header, with the envelope prefix of the hand-made envelopes above. */
function token(username: string, password: string, passwordType: 'PasswordText' | 'PasswordDigest' = 'PasswordText'): string {
  return new soap.WSSecurity(username, password, { passwordType, hasNonce: true, mustUnderstand: true, envelopeKey: 'e' }).toXML();
}

interface WssFault {
  code: string;
  subcode?: string;
  message: string;
  detailCode?: string;
}

/** Reads a WS-Security fault in the shape of its version: 1.1 wsse code as faultcode, 1.2 Sender with the wsse code as Subcode. */
function wssFault(version: SoapVersion, res: RawResponse): WssFault {
  expect(inspectXml(res.body).namespace).toBe(NS[version]);
  expect(res.body).toContain(`xmlns:wsse="${WSSE_NAMESPACE}"`);
  expect({ status: res.status, contentType: res.contentType }).toEqual({ status: version === '1.1' ? 500 : 400, contentType: contentType(version) });
  const detailCode = /<s:code>([^<]*)<\/s:code>/.exec(res.body)?.[1];
  if (version === '1.1') {
    return { code: /<faultcode>([^<]*)<\/faultcode>/.exec(res.body)![1]!, message: /<faultstring>([^<]*)<\/faultstring>/.exec(res.body)![1]!, ...(detailCode ? { detailCode } : {}) };
  }
  const m = /<env:Code><env:Value>([^<]*)<\/env:Value><env:Subcode><env:Value>([^<]*)<\/env:Value><\/env:Subcode><\/env:Code>/.exec(res.body);
  if (!m) throw new Error(`not a SOAP 1.2 fault with subcode: ${res.body}`);
  return { code: m[1]!, subcode: m[2]!, message: /<env:Text xml:lang="en">([^<]*)<\/env:Text>/.exec(res.body)![1]!, ...(detailCode ? { detailCode } : {}) };
}

function expectWssCode(version: SoapVersion, fault: WssFault, code: string): void {
  if (version === '1.1') expect(fault.code).toBe(`wsse:${code}`);
  else expect([fault.code, fault.subcode]).toEqual(['env:Sender', `wsse:${code}`]);
}

type PortMethod = (args: object, cb: (err: any, result: any) => void, options?: object) => void;

async function client(base: string, version: SoapVersion, security?: { username: string; password: string; passwordType?: 'PasswordText' | 'PasswordDigest' }) {
  const c = await soap.createClientAsync(`${base}${PATH[version]}?wsdl`, { forceSoap12Headers: version === '1.2' });
  if (security) c.setSecurity(new soap.WSSecurity(security.username, security.password, { passwordType: security.passwordType ?? 'PasswordText', hasNonce: true, mustUnderstand: true }));
  const port = (c as unknown as Record<string, Record<string, Record<string, PortMethod>>>)['SchnittstelleService']![PORT[version]]!;
  const call = (operation: string, args: object, options?: object) =>
    new Promise<any>((resolve, reject) => port[operation]!(args, (err, result) => (err ? reject(err) : resolve(result)), options));
  return { call, lastRequest: () => (c as unknown as { lastRequest: string }).lastRequest };
}

const DOCUMENT = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><brief>Gr\xfc\xdfe\r\n--', 'latin1'), randomBytes(2048)]);
const xopContent = (cid: string) => ({ $xml: `<xop:Include xmlns:xop="${XOP_NAMESPACE}" href="cid:${cid}"/>` });

it('reads the envelopes of the endpoint with tokens on a worker thread', () => {
  expect(workers.mode).toBe('workers');
});

describe.each(['1.1', '1.2'] as const)('SOAP %s endpoint with WS-Security UsernameToken', (version) => {
  const url = () => `${secured}${PATH[version]}`;

  it('takes PasswordText and PasswordDigest tokens from node-soap\'s client (mustUnderstand="1") and tells the handler the user', async () => {
    const text = await client(secured, version, { username: 'dms', password: 'Geheim-123' });
    await expect(text.call('submitDocument', { routeId: 'akten', xmlDocument: '<a/>' })).resolves.toEqual({ receipt });
    expect(text.lastRequest()).toMatch(/<wsse:Security soap:mustUnderstand="1"/);
    const digest = await client(secured, version, { username: 'melde', password: 'Digest-Geheim', passwordType: 'PasswordDigest' });
    await digest.call('getStatus', { documentId: 'doc-1' });
    expect(calls.map((c) => [c.ctx.operation, c.ctx.username])).toEqual([
      ['submitDocument', 'dms'],
      ['getStatus', 'melde'],
    ]);
    expect(refused).toEqual([]);
  });

  it('refuses a request without Security header: InvalidSecurity, handler not called, refusal reported', async () => {
    const fault = wssFault(version, await post(url(), envelope(version, ''), { 'content-type': contentType(version) }));
    expectWssCode(version, fault, 'InvalidSecurity');
    expect(fault).toMatchObject({ detailCode: 'invalid-security', message: expect.stringContaining('requires a wsse:Security header') });
    expect(calls).toEqual([]);
    expect(refused.map((r) => [r.refusal.reason, r.ctx.soapVersion, r.ctx.operation])).toEqual([['no-security-header', version, 'submitDocument']]);
  });

  it('answers a wrong password and an unknown user with byte-identical faults', async () => {
    const wrong = await post(url(), envelope(version, token('dms', 'falsch')), { 'content-type': contentType(version) });
    const unknown = await post(url(), envelope(version, token('niemand', 'Geheim-123')), { 'content-type': contentType(version) });
    expect(wrong.body).toBe(unknown.body);
    const fault = wssFault(version, wrong);
    expectWssCode(version, fault, 'FailedAuthentication');
    expect(fault.message).toBe(FAILED_AUTHENTICATION_MESSAGE);
    expect(calls).toEqual([]);
    expect(refused.map((r) => [r.refusal.reason, r.refusal.username])).toEqual([
      ['wrong-password', 'dms'],
      ['unknown-user', undefined],
    ]);
  });

  it('refuses the same request sent twice: the replayed nonce', async () => {
    const body = envelope(version, token('melde', 'Digest-Geheim', 'PasswordDigest'));
    expect((await post(url(), body, { 'content-type': contentType(version) })).status).toBe(200);
    const fault = wssFault(version, await post(url(), body, { 'content-type': contentType(version) }));
    expectWssCode(version, fault, 'InvalidSecurity');
    expect(fault.message).toContain('nonce was used before');
    expect(calls).toHaveLength(1);
  });

  it('refuses a malformed token with InvalidSecurityToken', async () => {
    const bad = token('dms', 'Geheim-123').replace(/<wsu:Created>([^<]*)<\/wsu:Created><\/wsse:UsernameToken>/, '<wsu:Created>gestern</wsu:Created></wsse:UsernameToken>');
    expectWssCode(version, wssFault(version, await post(url(), envelope(version, bad), { 'content-type': contentType(version) })), 'InvalidSecurityToken');
  });

  it('gives node-soap\'s client a fault it reads, with the wsse code', async () => {
    const c = await client(secured, version, { username: 'dms', password: 'falsch' });
    const error: any = await c.call('submitDocument', { routeId: 'akten', xmlDocument: '<a/>' }).catch((e: unknown) => e);
    expect(error.message).toContain('FailedAuthentication');
  });

  it('takes an MTOM request from node-soap\'s client, the attachment arriving as the content bytes', async () => {
    const c = await client(secured, version, { username: 'dms', password: 'Geheim-123' });
    await c.call('submitDocument', { routeId: 'akten', content: xopContent('brief@schnittstelle'), contentType: 'application/xml' }, {
      forceMTOM: true,
      attachments: [{ mimetype: 'application/xml', contentId: 'brief@schnittstelle', name: 'brief.xml', body: DOCUMENT }],
    });
    expect(calls).toHaveLength(1);
    expect(Buffer.from(calls[0]!.args.content, 'base64').equals(DOCUMENT)).toBe(true);
    expect(calls[0]!.ctx.username).toBe('dms');
  });

  it('checks the token of an MTOM request too', async () => {
    const c = await client(secured, version, { username: 'dms', password: 'falsch' });
    const error: any = await c
      .call('submitDocument', { routeId: 'akten', content: xopContent('x') }, { forceMTOM: true, attachments: [{ mimetype: 'text/plain', contentId: 'x', name: 'x', body: Buffer.from('x') }] })
      .catch((e: unknown) => e);
    expect(error.message).toContain('FailedAuthentication');
    expect(calls).toEqual([]);
  });
});

describe.each(['1.1', '1.2'] as const)('SOAP %s endpoint without WS-Security', (version) => {
  const url = () => `${open}${PATH[version]}`;

  it('does not claim to understand wsse:Security it does not check: MustUnderstand fault', async () => {
    const res = await post(url(), envelope(version, token('dms', 'x')), { 'content-type': contentType(version) });
    expect(res.status).toBe(500);
    expect(res.body).toMatch(version === '1.1' ? /<faultcode>soap:MustUnderstand<\/faultcode>/ : /<env:Value>env:MustUnderstand<\/env:Value>/);
    expect(calls).toEqual([]);
  });

  it('takes MTOM from node-soap\'s client', async () => {
    const c = await client(open, version);
    await c.call('submitDocument', { routeId: 'akten', content: xopContent('doc') }, { forceMTOM: true, attachments: [{ mimetype: 'application/octet-stream', contentId: 'doc', name: 'doc', body: DOCUMENT }] });
    expect(Buffer.from(calls[0]!.args.content, 'base64').equals(DOCUMENT)).toBe(true);
  });

  it('refuses malformed multipart with a Client/Sender fault that says what is wrong', async () => {
    const boundary = 'grenze';
    const body = `--${boundary}\r\nContent-Type: application/xop+xml; type="${version === '1.1' ? 'text/xml' : 'application/soap+xml'}"\r\n\r\n${envelope(version, '')}\r\n`;
    const res = await post(url(), body, { 'content-type': `multipart/related; type="application/xop+xml"; boundary=${boundary}` });
    expect(res.status).toBe(version === '1.1' ? 500 : 400);
    expect(res.body).toContain(version === '1.1' ? '<faultcode>soap:Client</faultcode>' : '<env:Value>env:Sender</env:Value>');
    expect(res.body).toContain('malformed MTOM request: part 1 is not closed');
    expect(res.body).toContain('<s:code>bad-multipart</s:code>');
    expect(calls).toEqual([]);
  });

  it('holds an MTOM request to the body limit', async () => {
    const c = await client(open, version);
    const error: any = await c
      .call('submitDocument', { routeId: 'akten', content: xopContent('big') }, { forceMTOM: true, attachments: [{ mimetype: 'application/octet-stream', contentId: 'big', name: 'big', body: Buffer.alloc(MAX_BODY + 1) }] })
      .catch((e: unknown) => e);
    expect(error.response.status).toBe(413);
    expect(calls).toEqual([]);
  });

});

it('checks the SOAP 1.2 action of an MTOM request against the operation in the Body', async () => {
  const body = `--b\r\nContent-Type: application/xop+xml; type="application/soap+xml"\r\n\r\n${envelope('1.2', '')}\r\n--b--\r\n`;
  const res = await post(`${open}${PATH['1.2']}`, body, { 'content-type': 'multipart/related; type="application/xop+xml"; boundary=b; action="urn:schnittstelle:v1#getStatus"' });
  expect(res.body).toContain('names operation getStatus but the Body holds submitDocument');
  expect(calls).toEqual([]);
});
