import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import soap from 'soap';
import { UnavailableError } from '@app/contracts';
import { redisOptionsFromUrl } from '@app/queue';
import { expectRejected, expectThrown, TEST_REDIS_URL } from '@app/testing';
import { hashPassword } from './password.hash.js';
import { SOAP11_ENVELOPE_NAMESPACE, SOAP12_ENVELOPE_NAMESPACE } from './soap-fault.builder.js';
import { RedisNonceStore } from './ws-security.nonces.js';
import {
  FAILED_AUTHENTICATION_MESSAGE,
  PASSWORD_DIGEST_TYPE,
  PASSWORD_TEXT_TYPE,
  UsernameTokenVerifier,
  WSSE_NAMESPACE,
  WSU_NAMESPACE,
  WsSecurityError,
  readUsernameToken,
} from './ws-security.verifier.js';
import type { SoapCredential, UsernameToken } from './ws-security.verifier.js';
import { readXmlTree } from './xml-tree.reader.js';
import type { SoapVersion } from './wsdl.inspector.js';

const NS: Record<SoapVersion, string> = { '1.1': SOAP11_ENVELOPE_NAMESPACE, '1.2': SOAP12_ENVELOPE_NAMESPACE };
const prefix = `t${randomUUID().slice(0, 8)}`;
let redis: Redis;
let users: SoapCredential[];

beforeAll(async () => {
  redis = new Redis({ ...redisOptionsFromUrl(TEST_REDIS_URL), maxRetriesPerRequest: 1 });
  users = [
    { username: 'dms', passwordHash: await hashPassword('Geheim-123') },
    { username: 'melde', digestPassword: 'Digest&Secret ü' },
  ];
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

function envelope(version: SoapVersion, header: string): string {
  return `<soap:Envelope xmlns:soap="${NS[version]}"><soap:Header>${header}</soap:Header><soap:Body><x:op xmlns:x="urn:x"/></soap:Body></soap:Envelope>`;
}

function read(version: SoapVersion, header: string): UsernameToken {
  const text = envelope(version, header);
  const root = readXmlTree(text);
  return readUsernameToken(text, root.children.find((c) => c.local === 'Header'), version);
}

/** What node-soap's client puts into the header (its own code, not ours). */
function fromNodeSoap(username: string, password: string, passwordType: 'PasswordText' | 'PasswordDigest', options: object = {}): string {
  return new soap.WSSecurity(username, password, { passwordType, hasNonce: true, mustUnderstand: true, ...options }).toXML();
}

/** A token written by hand, for times and shapes node-soap does not make. */
function handToken(o: { username?: string; password?: string; type?: string; nonce?: string; created?: string; extra?: string; securityAttrs?: string }): string {
  const password = o.password === undefined ? '' : `<wsse:Password${o.type ? ` Type="${o.type}"` : ''}>${o.password}</wsse:Password>`;
  return (
    `<wsse:Security xmlns:wsse="${WSSE_NAMESPACE}" xmlns:wsu="${WSU_NAMESPACE}"${o.securityAttrs ?? ''}><wsse:UsernameToken>` +
    `<wsse:Username>${o.username ?? 'dms'}</wsse:Username>${password}` +
    (o.nonce === undefined ? '' : `<wsse:Nonce>${o.nonce}</wsse:Nonce>`) +
    (o.created === undefined ? '' : `<wsu:Created>${o.created}</wsu:Created>`) +
    `${o.extra ?? ''}</wsse:UsernameToken></wsse:Security>`
  );
}

function digestToken(username: string, password: string, createdMs: number, nonce = randomBytes(16)): string {
  const created = new Date(createdMs).toISOString();
  const digest = soap.passwordDigest(nonce.toString('base64'), created, password);
  return handToken({ username, password: digest, type: PASSWORD_DIGEST_TYPE, nonce: nonce.toString('base64'), created });
}

function verifier(options: { now?: () => number; maxAgeSeconds?: number; clockSkewSeconds?: number } = {}): UsernameTokenVerifier {
  return new UsernameTokenVerifier({ users, maxAgeSeconds: 300, clockSkewSeconds: 60, nonces: new RedisNonceStore(redis, prefix), ...options });
}

const refusal = (promise: Promise<unknown>) => expectRejected(WsSecurityError, promise);
const readRefusal = (fn: () => unknown) => expectThrown(WsSecurityError, fn);

describe.each(['1.1', '1.2'] as const)('readUsernameToken, SOAP %s', (version) => {
  it('reads what node-soap sends: username, type, password, nonce, Created and a wsu:Timestamp', () => {
    const text = read(version, fromNodeSoap('dms', 'a<b&c', 'PasswordText'));
    expect(text).toMatchObject({ username: 'dms', passwordType: 'PasswordText', password: 'a<b&c' });
    expect(text.nonce).toHaveLength(16);
    expect(Math.abs(text.created!.ms - Date.now())).toBeLessThan(5000);
    expect(text.timestamp?.expiresMs).toBeGreaterThan(Date.now());
    const digest = read(version, fromNodeSoap('melde', 'x', 'PasswordDigest'));
    expect(digest).toMatchObject({ username: 'melde', passwordType: 'PasswordDigest' });
    expect(digest.password).toMatch(/^[A-Za-z0-9+/]{27}=$/);
  });

  it('takes CDATA and character references in the password literally, and PasswordText when Type is absent', () => {
    const token = read(version, handToken({ password: '<![CDATA[p&ss]]>&#x20;w&lt;', created: '2025-03-01T10:00:00Z' }));
    expect(token).toMatchObject({ passwordType: 'PasswordText', password: 'p&ss w<', created: { text: '2025-03-01T10:00:00Z', ms: Date.parse('2025-03-01T10:00:00Z') } });
  });

  it.each([
    ['no header at all', '', 'InvalidSecurity', /requires a wsse:Security header/],
    ['a Security header meant for another node', handToken({ password: 'x', created: '2025-03-01T10:00:00Z', securityAttrs: ` soap:${version === '1.1' ? 'actor' : 'role'}="urn:other-node"` }), 'InvalidSecurity', /requires a wsse:Security header/],
    ['two Security headers', handToken({ password: 'x', created: '2025-03-01T10:00:00Z' }).repeat(2), 'InvalidSecurity', /2 wsse:Security headers/],
    ['a signature it cannot process', `<wsse:Security xmlns:wsse="${WSSE_NAMESPACE}"><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/></wsse:Security>`, 'InvalidSecurity', /Signature, which this endpoint does not process/],
    ['no UsernameToken', `<wsse:Security xmlns:wsse="${WSSE_NAMESPACE}"/>`, 'InvalidSecurity', /no UsernameToken/],
    ['an unknown password type', handToken({ password: 'x', type: `${PASSWORD_TEXT_TYPE}Hash`, created: '2025-03-01T10:00:00Z' }), 'InvalidSecurityToken', /Type .* is not supported/],
    ['a digest without nonce', handToken({ password: 'x', type: PASSWORD_DIGEST_TYPE, created: '2025-03-01T10:00:00Z' }), 'InvalidSecurityToken', /must carry wsse:Nonce and wsu:Created/],
    ['no Created', handToken({ password: 'x' }), 'InvalidSecurityToken', /must carry wsu:Created/],
    ['Created without time zone', handToken({ password: 'x', created: '2025-03-01T10:00:00' }), 'InvalidSecurityToken', /not an xs:dateTime with a time zone/],
    ['a nonce that is not base64', handToken({ password: 'x', nonce: 'ab$d', created: '2025-03-01T10:00:00Z' }), 'InvalidSecurityToken', /Nonce is not valid base64/],
    ['two usernames', handToken({ password: 'x', created: '2025-03-01T10:00:00Z', extra: '<wsse:Username>b</wsse:Username>' }), 'InvalidSecurityToken', /Username appears 2 times/],
    ['an element inside Username', handToken({ username: '<b>dms</b>', password: 'x', created: '2025-03-01T10:00:00Z' }), 'InvalidSecurityToken', /Username must hold text only/],
  ])('refuses %s', (_name, header, code, message) => {
    const error = readRefusal(() => read(version, header));
    expect(error.faultCode).toBe(code);
    expect(error.message).toMatch(message);
  });
});

describe('UsernameTokenVerifier', () => {
  it('accepts PasswordText against the scrypt hash and PasswordDigest against the stored password, as node-soap sends them', async () => {
    const v = verifier();
    await expect(v.verify(read('1.1', fromNodeSoap('dms', 'Geheim-123', 'PasswordText')))).resolves.toEqual({ username: 'dms' });
    await expect(v.verify(read('1.2', fromNodeSoap('melde', 'Digest&Secret ü', 'PasswordDigest')))).resolves.toEqual({ username: 'melde' });
  });

  it('answers a wrong password and an unknown user alike; only the audit reason tells them apart', async () => {
    const v = verifier();
    const wrong = await refusal(v.verify(read('1.1', fromNodeSoap('dms', 'geheim-123', 'PasswordText'))));
    const unknown = await refusal(v.verify(read('1.1', fromNodeSoap('mallory', 'Geheim-123', 'PasswordText'))));
    const wrongDigest = await refusal(v.verify(read('1.1', fromNodeSoap('melde', 'nope', 'PasswordDigest'))));
    const unknownDigest = await refusal(v.verify(read('1.1', fromNodeSoap('nobody', 'nope', 'PasswordDigest'))));
    for (const e of [wrong, unknown, wrongDigest, unknownDigest]) {
      expect({ code: e.faultCode, message: e.message }).toEqual({ code: 'FailedAuthentication', message: FAILED_AUTHENTICATION_MESSAGE });
    }
    expect([wrong.reason, wrong.username, unknown.reason, unknown.username]).toEqual(['wrong-password', 'dms', 'unknown-user', undefined]);
  });

  it('takes each user only with the kind of password configured for it', async () => {
    const v = verifier();
    // melde has no hash, so a PasswordText with the right password fails; dms has no stored password for digests.
    expect((await refusal(v.verify(read('1.1', fromNodeSoap('melde', 'Digest&Secret ü', 'PasswordText'))))).faultCode).toBe('FailedAuthentication');
    expect((await refusal(v.verify(read('1.1', fromNodeSoap('dms', 'Geheim-123', 'PasswordDigest'))))).faultCode).toBe('FailedAuthentication');
  });

  it('refuses a token without password', async () => {
    expect((await refusal(verifier().verify(read('1.1', handToken({ created: new Date().toISOString() }))))).faultCode).toBe('FailedAuthentication');
  });

  it('remembers a good PasswordText only for that exact password', async () => {
    const v = verifier();
    await v.verify(read('1.1', fromNodeSoap('dms', 'Geheim-123', 'PasswordText')));
    const started = Date.now();
    await v.verify(read('1.1', fromNodeSoap('dms', 'Geheim-123', 'PasswordText')));
    const cached = Date.now() - started;
    expect((await refusal(v.verify(read('1.1', fromNodeSoap('dms', 'Geheim-1234', 'PasswordText'))))).faultCode).toBe('FailedAuthentication');
    expect(cached).toBeLessThan(40);
  });

  it('refuses a Created older than the window or beyond the clock skew in the future, with MessageExpired', async () => {
    const now = Date.now();
    const v = verifier({ now: () => now, maxAgeSeconds: 300, clockSkewSeconds: 60 });
    const stale = await refusal(v.verify(read('1.1', digestToken('melde', 'Digest&Secret ü', now - 301_000))));
    expect({ code: stale.faultCode, reason: stale.reason }).toEqual({ code: 'MessageExpired', reason: 'stale-created' });
    expect(stale.message).toContain('older than 300 s');
    const future = await refusal(v.verify(read('1.1', digestToken('melde', 'Digest&Secret ü', now + 61_000))));
    expect(future.reason).toBe('future-created');
    // Inside both limits: accepted.
    await expect(v.verify(read('1.1', digestToken('melde', 'Digest&Secret ü', now - 299_000)))).resolves.toEqual({ username: 'melde' });
    await expect(v.verify(read('1.1', digestToken('melde', 'Digest&Secret ü', now + 59_000)))).resolves.toEqual({ username: 'melde' });
  });

  it('refuses an expired wsu:Timestamp', async () => {
    const v = verifier({ now: () => Date.now() + 11 * 60_000, maxAgeSeconds: 3600 });
    // node-soap's Timestamp expires after 10 minutes.
    const error = await refusal(v.verify(read('1.2', fromNodeSoap('dms', 'Geheim-123', 'PasswordText'))));
    expect({ code: error.faultCode, reason: error.reason }).toEqual({ code: 'MessageExpired', reason: 'expired-timestamp' });
  });

  it('refuses a replayed nonce, also from another verifier (another gateway process) on the same Redis', async () => {
    const token = read('1.1', fromNodeSoap('melde', 'Digest&Secret ü', 'PasswordDigest'));
    await expect(verifier().verify(token)).resolves.toEqual({ username: 'melde' });
    const replay = await refusal(verifier().verify(token));
    expect({ code: replay.faultCode, reason: replay.reason, username: replay.username }).toEqual({ code: 'InvalidSecurity', reason: 'replayed-nonce', username: 'melde' });
  });

  it('lets exactly one of several simultaneous requests with one nonce through', async () => {
    const token = read('1.2', digestToken('melde', 'Digest&Secret ü', Date.now()));
    const v = verifier();
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => v.verify(token)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => ((o as PromiseRejectedResult).reason as WsSecurityError).reason)).toEqual(Array(5).fill('replayed-nonce'));
  });

  it('keeps a nonce in Redis exactly as long as a token carrying it can be fresh', async () => {
    const nonce = randomBytes(16);
    const v = verifier({ maxAgeSeconds: 120, clockSkewSeconds: 30 });
    await v.verify(read('1.1', digestToken('melde', 'Digest&Secret ü', Date.now(), nonce)));
    const keys = await redis.keys(`${prefix}:wss-nonce:*`);
    const ttls = await Promise.all(keys.map((k) => redis.ttl(k)));
    expect(ttls.some((t) => t > 140 && t <= 151)).toBe(true);
    expect(v.nonceTtlSeconds).toBe(151);
  });

  it('does not record the nonce of a refused login, so strangers cannot fill the replay store', async () => {
    const nonce = randomBytes(16);
    const before = (await redis.keys(`${prefix}:wss-nonce:*`)).length;
    await refusal(verifier().verify(read('1.1', digestToken('melde', 'falsch', Date.now(), nonce))));
    expect((await redis.keys(`${prefix}:wss-nonce:*`)).length).toBe(before);
    await expect(verifier().verify(read('1.1', digestToken('melde', 'Digest&Secret ü', Date.now(), nonce)))).resolves.toEqual({ username: 'melde' });
  });

  it('refuses with UnavailableError when the replay store does not answer, instead of skipping the check', async () => {
    // A connection that is gone for good; the Redis itself is real.
    const gone = new Redis({ ...redisOptionsFromUrl(TEST_REDIS_URL), enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    await new Promise((resolve) => gone.once('ready', resolve));
    await gone.quit();
    const v = new UsernameTokenVerifier({ users, maxAgeSeconds: 300, clockSkewSeconds: 60, nonces: new RedisNonceStore(gone, prefix) });
    const started = Date.now();
    await expect(v.verify(read('1.1', fromNodeSoap('melde', 'Digest&Secret ü', 'PasswordDigest')))).rejects.toBeInstanceOf(UnavailableError);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('refuses configurations it cannot work with, naming the user', () => {
    const nonces = new RedisNonceStore(redis, prefix);
    expect(() => new UsernameTokenVerifier({ users: [], maxAgeSeconds: 300, clockSkewSeconds: 60, nonces })).toThrow(/no SOAP users/);
    expect(() => new UsernameTokenVerifier({ users: [{ username: 'a', passwordHash: 'scrypt$1000$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==' }], maxAgeSeconds: 300, clockSkewSeconds: 60, nonces })).toThrow(
      /SOAP user "a": passwordHash is scrypt N must be a power of two/,
    );
    expect(() => new UsernameTokenVerifier({ users: [{ username: 'a' }], maxAgeSeconds: 300, clockSkewSeconds: 60, nonces })).toThrow(/neither passwordHash nor digestPassword/);
  });
});
