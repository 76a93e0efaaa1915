import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import soap from 'soap';
import { AuditLog } from '@app/audit';
import { DocumentStore, deriveDocumentId } from '@app/documents';
import { jobIdFor, redisOptionsFromUrl, type QueueName } from '@app/queue';
import { startApplication, type RunningApp } from '@app/runtime';
import { hashPassword } from '@app/soap';
import { freePort, makeTestCertificates, testInstallation, waitFor, type TestCertificates, type TestInstallation } from '@app/testing';
import { allJobIds, ANALYSIS_STEPS_YAML, BUILDING_LETTER, closeQueues, loadApps, openQueues, removeInstallation, rmDir } from './support.js';

/**
 * The gateway as operators would run it in a network they do not trust: HTTPS with client certificates
 * required, and every SOAP request authenticated by a WS-Security UsernameToken.
 */

const ROUTE_LIMIT = 200;

const ROUTES = `
routes:
  texte:
    accept: [soap]
    steps:${ANALYSIS_STEPS_YAML}
    writeback:
      type: folder
  klein:
    accept: [soap]
    maxBodyBytes: ${ROUTE_LIMIT}
    steps:${ANALYSIS_STEPS_YAML}
    writeback:
      type: folder
`;

/**
 * A route whose write-back calls submitDocument of this same gateway, so the outbound SOAP call must
 * present the client certificate and a UsernameToken whose password comes from the environment.
 */
function routesWithWriteback(port: number, certs: TestCertificates): string {
  return `${ROUTES}
  weiter:
    accept: [soap]
    steps:${ANALYSIS_STEPS_YAML}
    writeback:
      type: soap
      wsdl: ${path.resolve('contracts/schnittstelle/v1/schnittstelle.wsdl')}
      endpoint: https://127.0.0.1:${port}/soap/v1
      operation: submitDocument
      timeoutMs: 10000
      mapping:
        routeId: { value: texte }
        correlationId: document.id
        xmlDocument: results.zusammenfassung.output.summary
        contentType: { value: "text/plain; charset=utf-8" }
      security:
        usernameToken: { username: ${USERS.digest[0]}, passwordEnv: SST_TEST_WRITEBACK_PASSWORD, passwordType: PasswordDigest }
        tls: { certFile: ${certs.clientCert}, keyFile: ${certs.clientKey}, caFile: ${certs.caCert} }
`;
}

const TNS = 'urn:schnittstelle:v1';
const WSSE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
const WSU = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
const DIGEST_TYPE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest';
const NS = { '1.1': 'http://schemas.xmlsoap.org/soap/envelope/', '1.2': 'http://www.w3.org/2003/05/soap-envelope' } as const;
const PATH = { '1.1': '/soap/v1', '1.2': '/soap12/v1' } as const;
const PORT = { '1.1': 'SchnittstelleSoap11', '1.2': 'SchnittstelleSoap12' } as const;
const MEDIA = { '1.1': 'text/xml; charset=utf-8', '1.2': 'application/soap+xml; charset=utf-8' } as const;
type Version = keyof typeof NS;

const USERS = { text: ['dms', 'Geheim-123'], digest: ['melde', 'Digest-Geheim'] } as const;

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

interface ClientTls {
  cert?: Buffer;
  key?: Buffer;
  ca: Buffer;
}

/** One HTTPS request with its own TLS identity; no connection reuse, so every call is a fresh handshake. */
function httpsCall(url: string, tls: ClientTls, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = init.body === undefined ? undefined : Buffer.isBuffer(init.body) ? init.body : Buffer.from(init.body);
    const headers = { ...init.headers, ...(body ? { 'content-length': String(body.length) } : {}) };
    const req = request(url, { method: init.method ?? (body ? 'POST' : 'GET'), headers, ...tls, agent: false, timeout: 15_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.end(body);
  });
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function submitEnvelope(version: Version, security: string, document = `<brief>${randomBytes(8).toString('hex')}</brief>`): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><e:Envelope xmlns:e="${NS[version]}" xmlns:tns="${TNS}">` +
    (security ? `<e:Header>${security}</e:Header>` : '') +
    `<e:Body><tns:submitDocument><tns:routeId>texte</tns:routeId><tns:xmlDocument>${escapeXml(document)}</tns:xmlDocument></tns:submitDocument></e:Body></e:Envelope>`
  );
}

/** The header node-soap's client writes (its code, not ours). */
function nodeSoapToken(username: string, password: string, passwordType: 'PasswordText' | 'PasswordDigest'): string {
  return new soap.WSSecurity(username, password, { passwordType, hasNonce: true, mustUnderstand: true, envelopeKey: 'e' }).toXML();
}

/** A PasswordDigest token created at a given time, for clocks node-soap does not let one set. */
function digestTokenAt(createdMs: number, username: string, password: string): string {
  const nonce = randomBytes(16).toString('base64');
  const created = new Date(createdMs).toISOString();
  return (
    `<wsse:Security xmlns:wsse="${WSSE}" xmlns:wsu="${WSU}" e:mustUnderstand="1"><wsse:UsernameToken><wsse:Username>${username}</wsse:Username>` +
    `<wsse:Password Type="${DIGEST_TYPE}">${soap.passwordDigest(nonce, created, password)}</wsse:Password>` +
    `<wsse:Nonce>${nonce}</wsse:Nonce><wsu:Created>${created}</wsu:Created></wsse:UsernameToken></wsse:Security>`
  );
}

/** The WS-Security fault code in the shape of the version: 1.1 faultcode, 1.2 Sender + Subcode. */
function wssCode(version: Version, answer: Answer): string {
  expect(answer.contentType).toContain(version === '1.1' ? 'text/xml' : 'application/soap+xml');
  expect(answer.text).toContain(`xmlns:wsse="${WSSE}"`);
  if (version === '1.1') {
    expect(answer.status).toBe(500);
    return /<faultcode>([^<]+)<\/faultcode>/.exec(answer.text)?.[1] ?? `no faultcode in ${answer.text}`;
  }
  expect(answer.status).toBe(400);
  const m = /<env:Code><env:Value>env:Sender<\/env:Value><env:Subcode><env:Value>([^<]+)<\/env:Value><\/env:Subcode><\/env:Code>/.exec(answer.text);
  return m?.[1] ?? `no Sender fault with Subcode in ${answer.text}`;
}

describe('SOAP ingress behind mutual TLS with WS-Security UsernameToken', () => {
  let certs: TestCertificates;
  let installation: TestInstallation;
  let running: RunningApp | undefined;
  let queues: Record<QueueName, Queue> | undefined;
  let redis: Redis | undefined;
  let store: DocumentStore;
  let baseUrl: string;
  let banner = '';
  let clientTls: ClientTls;
  let agent: Agent;

  beforeAll(async () => {
    certs = makeTestCertificates();
    clientTls = { cert: certs.read(certs.clientCert), key: certs.read(certs.clientKey), ca: certs.read(certs.caCert) };
    agent = new Agent({ ...clientTls, keepAlive: false });
    const credentials = path.join(certs.dir, 'soap-users.yaml');
    fs.writeFileSync(credentials, `users:\n  ${USERS.text[0]}:\n    passwordHash: "${await hashPassword(USERS.text[1])}"\n  ${USERS.digest[0]}:\n    digestPassword: "${USERS.digest[1]}"\n`, { mode: 0o600 });
    const port = await freePort();
    installation = await testInstallation(routesWithWriteback(port, certs), {
      HTTP_PORT: String(port),
      SST_TEST_WRITEBACK_PASSWORD: USERS.digest[1],
      SOAP_CREDENTIALS_FILE: credentials,
      TLS_CERT_FILE: certs.serverCert,
      TLS_KEY_FILE: certs.serverKey,
      TLS_CA_FILE: certs.caCert,
      TLS_CLIENT_CERT: 'require',
    });
    // The start-up lines are what an operator reads: capture them.
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => ((banner += String(chunk)), true));
    try {
      running = await startApplication(installation.config, await loadApps(), { processName: 'test' });
    } finally {
      write.mockRestore();
    }
    baseUrl = running.baseUrl;
    queues = openQueues(installation.config);
    redis = new Redis({ ...redisOptionsFromUrl(installation.config.redis.url), maxRetriesPerRequest: 1 });
    store = new DocumentStore(redis, { prefix: installation.config.queue.prefix, ttlSeconds: 3600 });
  });

  afterAll(async () => {
    try {
      await running?.close();
    } finally {
      agent?.destroy();
      await closeQueues(queues);
      await redis?.quit();
      await removeInstallation(installation);
      if (certs) rmDir(certs.dir);
    }
  });

  const post = (version: Version, body: string | Buffer, headers: Record<string, string> = {}) =>
    httpsCall(`${baseUrl}${PATH[version]}`, clientTls, { body, headers: { 'content-type': MEDIA[version], ...headers } });

  async function soapClient(version: Version, user?: readonly [string, string], passwordType: 'PasswordText' | 'PasswordDigest' = 'PasswordText') {
    const client = await soap.createClientAsync(`${baseUrl}${PATH[version]}?wsdl`, { forceSoap12Headers: version === '1.2', wsdl_options: { httpsAgent: agent } });
    if (user) client.setSecurity(new soap.WSSecurity(user[0], user[1], { passwordType, hasNonce: true, mustUnderstand: true }));
    const method = (client as any).SchnittstelleService[PORT[version]].submitDocument;
    return (args: object, options: object = {}) =>
      new Promise<any>((resolve, reject) => method(args, (err: unknown, result: unknown) => (err ? reject(err) : resolve(result)), { httpsAgent: agent, ...options }));
  }

  const intakeJobs = async () => (await allJobIds(queues!.intake)).length;

  describe('mutual TLS', () => {
    it('serves HTTPS and says so at start-up, in the WSDL too', async () => {
      expect(baseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(banner).toContain(`SOAP 1.1:         ${baseUrl}/soap/v1`);
      expect(banner).toContain(`${baseUrl}/health/ready`);
      expect(banner).toMatch(/TLS: .*server\.crt; client certificates required \(CA .*ca\.crt\)/);
      expect(banner).not.toContain('http://');
      const wsdl = await httpsCall(`${baseUrl}/soap/v1?wsdl`, clientTls);
      expect(wsdl.text).toContain(`<soap:address location="${baseUrl}/soap/v1"/>`);
    });

    it('lets a client with a certificate of the CA in: /health/ready is 200', async () => {
      const ready = await httpsCall(`${baseUrl}/health/ready`, clientTls);
      expect(ready.status).toBe(200);
    });

    it('turns away a client without certificate, and one whose certificate another CA signed, in the handshake', async () => {
      await expect(httpsCall(`${baseUrl}/health/ready`, { ca: clientTls.ca })).rejects.toThrow(/certificate|socket hang up|ECONNRESET/i);
      await expect(httpsCall(`${baseUrl}/health/ready`, { cert: certs.read(certs.strangerCert), key: certs.read(certs.strangerKey), ca: clientTls.ca })).rejects.toThrow(
        /certificate|unknown ca|socket hang up|ECONNRESET/i,
      );
      // Nothing got as far as the SOAP endpoint.
      await expect(httpsCall(`${baseUrl}/soap/v1`, { ca: clientTls.ca }, { body: submitEnvelope('1.1', nodeSoapToken('dms', 'Geheim-123', 'PasswordText')), headers: { 'content-type': MEDIA['1.1'] } })).rejects.toThrow();
    });
  });

  describe.each(['1.1', '1.2'] as const)('WS-Security over SOAP %s', (version) => {
    it('takes a document with a valid PasswordText token from node-soap\'s client and enqueues it', async () => {
      const submit = await soapClient(version, USERS.text);
      const { receipt } = await submit({ routeId: 'texte', xmlDocument: `<brief><text>${BUILDING_LETTER}</text><nr>${version}-text</nr></brief>` });
      expect(receipt).toMatchObject({ status: 'accepted', duplicate: false, routeId: 'texte' });
      expect(receipt.statusUrl).toMatch(/^https:\/\//);
      expect(await allJobIds(queues!.intake)).toContain(jobIdFor(receipt.documentId, 'intake'));
    });

    it('takes a document with a valid PasswordDigest token and enqueues it', async () => {
      const submit = await soapClient(version, USERS.digest, 'PasswordDigest');
      const { receipt } = await submit({ routeId: 'texte', xmlDocument: `<brief><text>${BUILDING_LETTER}</text><nr>${version}-digest</nr></brief>` });
      expect(receipt).toMatchObject({ status: 'accepted', duplicate: false });
      expect(await allJobIds(queues!.intake)).toContain(jobIdFor(receipt.documentId, 'intake'));
    });

    it.each([
      ['a wrong password', 'wsse:FailedAuthentication', () => nodeSoapToken('dms', 'geheim-123', 'PasswordText')],
      ['an unknown user', 'wsse:FailedAuthentication', () => nodeSoapToken('mallory', 'Geheim-123', 'PasswordText')],
      ['a wrong digest', 'wsse:FailedAuthentication', () => nodeSoapToken('melde', 'falsch', 'PasswordDigest')],
      ['a Created ten minutes old', 'wsse:MessageExpired', () => digestTokenAt(Date.now() - 10 * 60_000, 'melde', 'Digest-Geheim')],
      ['no Security header', 'wsse:InvalidSecurity', () => ''],
    ])('refuses %s with %s, enqueuing nothing', async (_name, code, header) => {
      const before = await intakeJobs();
      const answer = await post(version, submitEnvelope(version, header()));
      expect(wssCode(version, answer)).toBe(code);
      expect(await intakeJobs()).toBe(before);
    });

    it('answers a wrong password and an unknown user alike', async () => {
      const wrong = await post(version, submitEnvelope(version, nodeSoapToken('dms', 'falsch', 'PasswordText'), '<a/>'));
      const unknown = await post(version, submitEnvelope(version, nodeSoapToken('niemand', 'falsch', 'PasswordText'), '<a/>'));
      expect(wrong.text).toBe(unknown.text);
      expect(wrong.status).toBe(unknown.status);
    });

    it('refuses a replayed request with wsse:InvalidSecurity; the first one alone is enqueued', async () => {
      const envelope = submitEnvelope(version, nodeSoapToken('melde', 'Digest-Geheim', 'PasswordDigest'));
      const before = await intakeJobs();
      expect((await post(version, envelope)).status).toBe(200);
      const replay = await post(version, envelope);
      expect(wssCode(version, replay)).toBe('wsse:InvalidSecurity');
      expect(replay.text).toContain('nonce was used before');
      expect(await intakeJobs()).toBe(before + 1);
    });

    it('takes an MTOM submitDocument from node-soap\'s client; the stored body is the attachment\'s bytes', async () => {
      const submit = await soapClient(version, USERS.text);
      const letter = Buffer.from(`${BUILDING_LETTER}\r\n--\r\nMTOM ${version} ${randomBytes(4).toString('hex')}\n`, 'utf8');
      const { receipt } = await submit(
        { routeId: 'texte', content: { $xml: `<xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:brief-${version}@gemeinde"/>` }, contentType: 'text/plain; charset=utf-8' },
        { forceMTOM: true, attachments: [{ mimetype: 'text/plain', contentId: `brief-${version}@gemeinde`, name: 'brief.txt', body: letter }] },
      );
      expect(receipt).toMatchObject({ status: 'accepted', duplicate: false });
      const stored = await store.getBody(receipt.documentId);
      expect(stored?.equals(letter)).toBe(true);
    });

    it('holds an MTOM attachment to the route\'s size limit', async () => {
      const before = await intakeJobs();
      const submit = await soapClient(version, USERS.text);
      const error: any = await submit(
        { routeId: 'klein', content: { $xml: `<xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:gross"/>` }, contentType: 'text/plain; charset=utf-8' },
        { forceMTOM: true, attachments: [{ mimetype: 'text/plain', contentId: 'gross', name: 'gross.txt', body: Buffer.from('x'.repeat(ROUTE_LIMIT + 1)) }] },
      ).catch((e: unknown) => e);
      expect(error.response?.status).toBe(413);
      expect(error.body).toContain(`the document has ${ROUTE_LIMIT + 1} bytes; route &quot;klein&quot; takes at most ${ROUTE_LIMIT}`);
      expect(error.body).toContain('<s:code>too-large</s:code>');
      expect(await intakeJobs()).toBe(before);
    });

    it('refuses malformed multipart with a Client/Sender fault, enqueuing nothing', async () => {
      const before = await intakeJobs();
      const root = submitEnvelope(version, nodeSoapToken('dms', 'Geheim-123', 'PasswordText'));
      const body = `--grenze\r\nContent-Type: application/xop+xml; charset=UTF-8; type="${MEDIA[version].split(';')[0]}"\r\n\r\n${root}\r\n--grenze\r\nContent-ID: <nirgends>\r\n\r\nx`;
      const answer = await post(version, body, { 'content-type': 'multipart/related; type="application/xop+xml"; boundary=grenze' });
      expect(answer.status).toBe(version === '1.1' ? 500 : 400);
      expect(answer.text).toContain(version === '1.1' ? '<faultcode>soap:Client</faultcode>' : '<env:Value>env:Sender</env:Value>');
      expect(answer.text).toContain('malformed MTOM request');
      expect(await intakeJobs()).toBe(before);
    });
  });

  describe('SOAP write-back with a client certificate and a UsernameToken', () => {
    it('calls the (mutual-TLS, token-checking) gateway itself: the result arrives as a new document', async () => {
      const submit = await soapClient('1.1', USERS.text);
      const { receipt } = await submit({ routeId: 'weiter', xmlDocument: `<brief><text>${BUILDING_LETTER}</text><nr>weiter</nr></brief>` });
      await waitFor('the write-back of the weiter document', async () => (await store.getWriteback(receipt.documentId)) ?? undefined, 30_000);
      const forwarded = deriveDocumentId('texte', { correlationId: receipt.documentId, sha256: '' });
      const document = await store.getDocument(forwarded);
      expect(document).toMatchObject({ routeId: 'texte', channel: 'soap', kind: 'text', correlationId: receipt.documentId });
      expect((await store.getBody(forwarded))!.toString('utf8').length).toBeGreaterThan(20);
    });
  });

  describe('afterwards', () => {
    it('every refused login is in the audit log, with the reason and no document', async () => {
      const audit = await AuditLog.open(installation.config.auditDatabaseUrl);
      try {
        const details = (await audit.forDocument('none')).filter((r) => r.outcome === 'refused').map((r) => r.detail ?? '');
        const count = (prefix: string) => details.filter((d) => d.startsWith(prefix)).length;
        // Per version: wrong password twice (it.each and the alike-check), a wrong digest, unknown users twice.
        expect(count('soap: wsse:FailedAuthentication: wrong-password (user "dms")')).toBe(4);
        expect(count('soap: wsse:FailedAuthentication: wrong-password (user "melde")')).toBe(2);
        expect(count('soap: wsse:FailedAuthentication: unknown-user')).toBe(4);
        expect(count('soap: wsse:MessageExpired: stale-created')).toBe(2);
        expect(count('soap: wsse:InvalidSecurity: no-security-header')).toBe(2);
        expect(count('soap: wsse:InvalidSecurity: replayed-nonce (user "melde")')).toBe(2);
        // The names strangers tried are not written down.
        expect(details.join('\n')).not.toMatch(/mallory|niemand/);
        expect((await audit.verify()).ok).toBe(true);
      } finally {
        await audit.close();
      }
    });

    it('the service is still ready', async () => {
      const ready = await httpsCall(`${baseUrl}/health/ready`, clientTls);
      expect(ready.status).toBe(200);
      expect(JSON.parse(ready.text).status).toBe('ok');
    });
  });
});

describe('TLS_CLIENT_CERT=request: a certificate is asked for, not demanded, but one that does not verify is refused', () => {
  let certs: TestCertificates;
  let installation: TestInstallation;
  let running: RunningApp | undefined;

  beforeAll(async () => {
    certs = makeTestCertificates();
    installation = await testInstallation(ROUTES, { TLS_CERT_FILE: certs.serverCert, TLS_KEY_FILE: certs.serverKey, TLS_CA_FILE: certs.caCert, TLS_CLIENT_CERT: 'request' });
    running = await startApplication(installation.config, await loadApps(), { processName: 'test', quiet: true });
  });

  afterAll(async () => {
    try {
      await running?.close();
    } finally {
      await removeInstallation(installation);
      if (certs) rmDir(certs.dir);
    }
  });

  it('lets clients with and without a certificate of the CA in, and turns one of another CA away', async () => {
    const ca = certs.read(certs.caCert);
    expect((await httpsCall(`${running!.baseUrl}/health/ready`, { ca })).status).toBe(200);
    expect((await httpsCall(`${running!.baseUrl}/health/ready`, { ca, cert: certs.read(certs.clientCert), key: certs.read(certs.clientKey) })).status).toBe(200);
    await expect(httpsCall(`${running!.baseUrl}/health/ready`, { ca, cert: certs.read(certs.strangerCert), key: certs.read(certs.strangerKey) })).rejects.toThrow(/socket hang up|ECONNRESET|EPIPE/);
  });
});
