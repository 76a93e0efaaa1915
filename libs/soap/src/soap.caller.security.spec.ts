import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Redis } from 'ioredis';
import { PermanentError } from '@app/contracts';
import { redisOptionsFromUrl } from '@app/queue';
import { TEST_REDIS_URL, makeTestCertificates, type TestCertificates } from '@app/testing';
import { hashPassword } from './password.hash.js';
import { mountSoapEndpoint } from './soap-endpoint.server.js';
import type { SoapHandlerContext } from './soap-endpoint.server.js';
import { SoapCaller } from './soap.caller.js';
import { RedisNonceStore } from './ws-security.nonces.js';
import { UsernameTokenVerifier } from './ws-security.verifier.js';
import { setWsdlAddresses } from './wsdl.inspector.js';

/** Schnittstelle's own contract stands in for a legacy service that checks tokens and client certificates. */
const WSDL = 'contracts/schnittstelle/v1/schnittstelle.wsdl';
const prefix = `t${randomUUID().slice(0, 8)}`;
const calls: SoapHandlerContext[] = [];
const receipt = { documentId: 'doc-1', status: 'accepted', routeId: 'akten', duplicate: false, statusUrl: 'https://127.0.0.1/documents/doc-1' };

let redis: Redis;
let certs: TestCertificates;
let server: Server;
let base: string;

beforeAll(async () => {
  redis = new Redis({ ...redisOptionsFromUrl(TEST_REDIS_URL), maxRetriesPerRequest: 1 });
  certs = makeTestCertificates();
  const app = express();
  // Mutual TLS: only clients with a certificate of the test CA get through the handshake.
  server = createServer({ cert: certs.read(certs.serverCert), key: certs.read(certs.serverKey), ca: certs.read(certs.caCert), requestCert: true, rejectUnauthorized: true }, app);
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const wsdlXml = setWsdlAddresses(readFileSync(WSDL, 'utf8'), { SchnittstelleSoap11: `${base}/soap/v1`, SchnittstelleSoap12: `${base}/soap12/v1` });
  const verifier = new UsernameTokenVerifier({
    users: [
      { username: 'writeback', passwordHash: await hashPassword('Rueckschreiben-1') },
      { username: 'writeback-digest', digestPassword: 'Digest-2' },
    ],
    maxAgeSeconds: 300,
    clockSkewSeconds: 60,
    nonces: new RedisNonceStore(redis, prefix),
  });
  for (const version of ['1.1', '1.2'] as const) {
    await mountSoapEndpoint(app, {
      path: version === '1.1' ? '/soap/v1' : '/soap12/v1',
      version,
      wsdlXml,
      serviceName: 'SchnittstelleService',
      portName: version === '1.1' ? 'SchnittstelleSoap11' : 'SchnittstelleSoap12',
      maxBodyBytes: 64 * 1024,
      security: { verifier },
      handlers: {
        submitDocument: async (_args: unknown, ctx: SoapHandlerContext) => (calls.push(ctx), { receipt }),
        getStatus: async () => ({}),
      },
    });
  }
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
  rmSync(certs.dir, { recursive: true, force: true });
});

beforeEach(() => {
  calls.length = 0;
});

const clientTls = () => ({ certFile: certs.clientCert, keyFile: certs.clientKey, caFile: certs.caCert });
const args = { routeId: 'akten', xmlDocument: '<a/>' };

async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe.each(['1.1', '1.2'] as const)('SoapCaller over SOAP %s with a client certificate and a UsernameToken', (soapVersion) => {
  const endpoint = () => `${base}${soapVersion === '1.1' ? '/soap/v1' : '/soap12/v1'}`;

  it('calls with PasswordText and with PasswordDigest; the service sees the user', async () => {
    for (const [username, password, passwordType] of [
      ['writeback', 'Rueckschreiben-1', 'PasswordText'],
      ['writeback-digest', 'Digest-2', 'PasswordDigest'],
    ] as const) {
      const caller = await SoapCaller.create({ wsdlPath: WSDL, endpoint: endpoint(), soapVersion, timeoutMs: 5000, tls: clientTls(), usernameToken: { username, password, passwordType } });
      await expect(caller.call('submitDocument', args)).resolves.toMatchObject({ receipt: { documentId: 'doc-1' } });
      // A second call sends a new nonce: not taken for a replay.
      await caller.call('submitDocument', args);
    }
    expect(calls.map((c) => c.username)).toEqual(['writeback', 'writeback', 'writeback-digest', 'writeback-digest']);
  });

  it('fails permanently when the service refuses the credentials', async () => {
    const caller = await SoapCaller.create({ wsdlPath: WSDL, endpoint: endpoint(), soapVersion, timeoutMs: 5000, tls: clientTls(), usernameToken: { username: 'writeback', password: 'falsch' } });
    const error = await rejection(caller.call('submitDocument', args));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toContain('FailedAuthentication');
    expect(calls).toEqual([]);
  });

  it('is turned away in the TLS handshake without a client certificate', async () => {
    const caller = await SoapCaller.create({ wsdlPath: WSDL, endpoint: endpoint(), soapVersion, timeoutMs: 5000, tls: { caFile: certs.caCert }, usernameToken: { username: 'writeback', password: 'Rueckschreiben-1' } });
    const error = await rejection(caller.call('submitDocument', args));
    expect(error.message).toMatch(/certificate|socket hang up|ECONNRESET|EPROTO/i);
    expect(calls).toEqual([]);
  });

  it('does not trust a server whose certificate the configured CA did not sign', async () => {
    const caller = await SoapCaller.create({ wsdlPath: WSDL, endpoint: endpoint(), soapVersion, timeoutMs: 5000, tls: { ...clientTls(), caFile: certs.strangerCert } });
    const error = await rejection(caller.call('submitDocument', args));
    expect(error.message).toMatch(/certificate/i);
    expect(calls).toEqual([]);
  });
});

describe('SoapCaller TLS settings', () => {
  it('names an unreadable file', async () => {
    const error = await rejection(SoapCaller.create({ wsdlPath: WSDL, soapVersion: '1.1', timeoutMs: 5000, tls: { ...clientTls(), keyFile: '/nonexistent/client.key' } }));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ code: 'tls-unreadable', message: expect.stringContaining('/nonexistent/client.key (ENOENT)') });
  });

  it('refuses a key that does not belong to the certificate, and a certificate without key', async () => {
    const mismatch = await rejection(SoapCaller.create({ wsdlPath: WSDL, soapVersion: '1.1', timeoutMs: 5000, tls: { ...clientTls(), keyFile: certs.serverKey } }));
    expect(mismatch).toMatchObject({ code: 'tls-invalid' });
    const half = await rejection(SoapCaller.create({ wsdlPath: WSDL, soapVersion: '1.1', timeoutMs: 5000, tls: { certFile: certs.clientCert } }));
    expect(half).toMatchObject({ code: 'tls-invalid', message: expect.stringContaining('both certFile and keyFile') });
  });
});
