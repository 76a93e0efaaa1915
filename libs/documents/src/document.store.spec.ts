import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { DigitalSourceType, UnavailableError, type CanonicalDocument } from '@app/contracts';
import { failFastRedisOptions } from '@app/queue';
import { deriveDocumentId, sha256Hex } from './document-id.js';
import { DocumentStore } from './document.store.js';
import { documentsRedisOptions } from './documents.module.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function doc(id: string, overrides: Partial<CanonicalDocument> = {}): CanonicalDocument {
  return {
    id, routeId: 'akten', channel: 'rest', kind: 'text', contentType: 'text/plain', sizeBytes: 5, sha256: 'abc', receivedAt: new Date().toISOString(), ...overrides,
  };
}

describe('deriveDocumentId', () => {
  const sha256 = sha256Hex(Buffer.from('Bescheid'));
  it('is stable, UUID-shaped and depends on route and identity', () => {
    const a = deriveDocumentId('akten', { sha256 });
    expect(a).toBe(deriveDocumentId('akten', { sha256 }));
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deriveDocumentId('bau', { sha256 })).not.toBe(a);
    expect(deriveDocumentId('akten', { sha256, correlationId: 'K-1' })).not.toBe(a);
  });
  it('uses the correlation id before the XÖV process id before the content', () => {
    const other = sha256Hex(Buffer.from('other'));
    expect(deriveDocumentId('a', { sha256, correlationId: 'K-1' })).toBe(deriveDocumentId('a', { sha256: other, correlationId: 'K-1' }));
    expect(deriveDocumentId('a', { sha256, processId: 'p', messageTypeCode: '0503' })).toBe(deriveDocumentId('a', { sha256: other, processId: 'p', messageTypeCode: '0503' }));
    expect(deriveDocumentId('a', { sha256, processId: 'p', messageTypeCode: '0503' })).not.toBe(deriveDocumentId('a', { sha256, processId: 'p', messageTypeCode: '0501' }));
  });
});

describe('DocumentStore (real Redis)', () => {
  // The connection as the application makes it (auto-pipelined).
  const redis = new Redis(documentsRedisOptions(REDIS_URL));
  const prefix = `test-${randomUUID().slice(0, 8)}`;
  const store = new DocumentStore(redis, { prefix, ttlSeconds: 60 });

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('creates a document once and keeps the body bytes exact', async () => {
    const id = randomUUID();
    const body = Buffer.from([0x3c, 0xe4, 0x00, 0xff]);
    expect(await store.create(doc(id), body)).toEqual({ created: true });
    const again = await store.create(doc(id, { sha256: 'other' }), Buffer.from('x'));
    expect(again).toEqual({ created: false, existing: expect.objectContaining({ id, sha256: 'abc' }) });
    expect((await store.getBody(id))!.equals(body)).toBe(true);
    expect(await redis.ttl(`${prefix}:doc:${id}:body`)).toBeGreaterThan(0);
  });

  it('stores the text with a new document in the same call, and leaves an existing one and its text alone', async () => {
    const id = randomUUID();
    expect(await store.create(doc(id), Buffer.from('<a>Hallo</a>'), 'Hallo')).toEqual({ created: true });
    expect(await store.getText(id)).toBe('Hallo');
    expect(await redis.ttl(`${prefix}:doc:${id}:text`)).toBeGreaterThan(0);
    expect(await store.create(doc(id, { sha256: 'other' }), Buffer.from('x'), 'anders')).toEqual({ created: false, existing: expect.objectContaining({ sha256: 'abc' }) });
    expect(await store.getText(id)).toBe('Hallo');
    // Without text nothing is stored under the text key; setText adds it later.
    const plain = randomUUID();
    await store.create(doc(plain), Buffer.from('x'));
    expect(await store.getText(plain)).toBeUndefined();
    // Another store on the same client shares the script.
    const second = new DocumentStore(redis, { prefix, ttlSeconds: 60 });
    expect(await second.create(doc(randomUUID()), Buffer.from('y'), '')).toEqual({ created: true });
  });

  it('sends the documents created in one turn in one write, each with its own outcome, in order', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const creates = [store.create(doc(a), Buffer.from('eins'), 'eins'), store.create(doc(b), Buffer.from('zwei')), store.create(doc(a, { sha256: 'other' }), Buffer.from('x'))];
    // Queued on the client until this turn of the event loop is over, then sent together.
    expect(await new Promise((resolve) => setImmediate(() => resolve(redis.autoPipelineQueueSize)))).toBe(3);
    expect(await Promise.all(creates)).toEqual([{ created: true }, { created: true }, { created: false, existing: expect.objectContaining({ id: a, sha256: 'abc' }) }]);
    expect(redis.autoPipelineQueueSize).toBe(0);
    expect(String(await store.getBody(a))).toBe('eins');
    expect(String(await store.getBody(b))).toBe('zwei');
  });

  it('tracks steps in plan order, results and state', async () => {
    const id = randomUUID();
    await store.create(doc(id), Buffer.from('Hallo'));
    await store.setStep(id, { step: 'kurz', state: 'done', attempts: 1 });
    await store.setStep(id, { step: 'intake', state: 'done', attempts: 1 });
    await store.saveResult(id, {
      step: 'kurz', task: 'summarise', output: { summary: 'Hallo', sentences: ['Hallo'], sentenceIndexes: [0] },
      label: { aiGenerated: true, digitalSourceType: DigitalSourceType.algorithmicMedia, provider: 'embedded', model: 'm', generatedAt: 'now', reviewState: 'unreviewed' },
    });
    await store.setState(id, 'processing');
    const status = (await store.getStatus(id, ['intake', 'kurz', 'writeback']))!;
    expect(status.state).toBe('processing');
    expect(status.steps.map((s) => [s.step, s.state])).toEqual([['intake', 'done'], ['kurz', 'done'], ['writeback', 'pending']]);
    expect(status.results.kurz!.output).toEqual(expect.objectContaining({ summary: 'Hallo' }));
    expect(await store.getStatus(randomUUID())).toBeUndefined();
  });

  it('records a write-back only once', async () => {
    const id = randomUUID();
    const record = { target: 'folder', state: 'done' as const, at: 'now', location: '/x' };
    expect(await store.recordWriteback(id, record)).toBe(true);
    expect(await store.recordWriteback(id, { ...record, location: '/y' })).toBe(false);
    expect((await store.getWriteback(id))!.location).toBe('/x');
  });

  it('answers UnavailableError at once when Redis is not there', async () => {
    const dead = new Redis({ ...failFastRedisOptions('redis://127.0.0.1:1'), retryStrategy: () => null });
    dead.on('error', () => undefined);
    const deadStore = new DocumentStore(dead, { prefix, ttlSeconds: 60 });
    await expect(deadStore.create(doc(randomUUID()), Buffer.from('x'))).rejects.toBeInstanceOf(UnavailableError);
    dead.disconnect();
  });
});
