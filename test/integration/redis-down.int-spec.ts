import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { ensureRedis, pingRedis, RedisStartupError, type EnsuredRedis } from '@app/queue';
import { startApplication, type RunningApp } from '@app/runtime';
import { freePort, testInstallation, waitFor, type TestInstallation } from '@app/testing';
import { ANALYSIS_STEPS_YAML, BUILDING_LETTER, getStatus, http, loadApps, postDocument, rmDir } from './support.js';

const ROUTES = `
routes:
  texte:
    accept: [rest, soap]
    steps:${ANALYSIS_STEPS_YAML}
    writeback:
      type: folder
`;

/** A private redis-server on a port of its own, so it can be killed without touching the shared one. */
class PrivateRedis {
  private child?: ChildProcess;
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'schnittstelle-redis-down-'));

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir], {
      stdio: 'ignore',
    });
    this.child = child;
    await waitFor(`redis-server on port ${this.port}`, async () => {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      return (await pingRedis(this.url, 200)) || undefined;
    }, 10_000, 100);
  }

  /** Stops it and waits until the process is gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }

  cleanUp(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Cleanup for the known shutdown bug below: after a Redis outage the Redis transport server's clients are
 * closed for good and ServerRedis.close() rejects ("Connection is closed.") on quit(), which aborts Nest's
 * shutdown before the onApplicationShutdown hooks. Drop those dead clients and close again, so this file
 * still leaves nothing open.
 */
async function forceClose(running: RunningApp): Promise<void> {
  for (const microservice of running.app.getMicroservices()) {
    const server = (microservice as unknown as { serverInstance?: { pubClient?: { disconnect(): void }; subClient?: { disconnect(): void } } }).serverInstance;
    if (!server) continue;
    server.pubClient?.disconnect();
    server.subClient?.disconnect();
    server.pubClient = undefined;
    server.subClient = undefined;
  }
  await running.close();
}

async function metric(baseUrl: string, name: string): Promise<number> {
  const text = (await http<string>(`${baseUrl}/ops/metrics`)).text;
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describe('Redis goes away under a running middleware', () => {
  let redis: PrivateRedis | undefined;
  let installation: TestInstallation;
  let running: RunningApp | undefined;
  let baseUrl: string;

  beforeAll(async () => {
    redis = new PrivateRedis(await freePort());
    await redis.start();
    installation = await testInstallation(ROUTES, { REDIS_URL: redis.url });
    running = await startApplication(installation.config, await loadApps(), { processName: 'test', quiet: true });
    baseUrl = running.baseUrl;
  });

  let closed = false;
  let closeFailed = false;
  // BullMQ prints every connection error of a Queue or Worker that has no 'error' listener with console.error
  // (the apps attach none), which would flood this file's output while Redis is down: kept quiet here.
  let consoleErrors: ReturnType<typeof jest.spyOn> | undefined;

  afterAll(async () => {
    // Bring Redis back if a test left it down, so the workers and clients can shut down.
    if (redis && !(await pingRedis(redis.url, 200))) await redis.start().catch(() => undefined);
    consoleErrors?.mockRestore();
    try {
      if (running && !closed) await running.close().catch(() => forceClose(running!));
      else if (running && closeFailed) await forceClose(running);
    } finally {
      await redis?.stop();
      redis?.cleanUp();
      if (installation) rmDir(installation.dir);
    }
  });

  it('works while Redis is up (and the event bus counts the completed document)', async () => {
    expect((await http(`${baseUrl}/health/ready`)).status).toBe(200);
    const answer = await postDocument(baseUrl, 'texte', BUILDING_LETTER);
    expect(answer.status).toBe(202);
    await waitFor('document completed', async () => ((await getStatus(baseUrl, answer.body.documentId)).state === 'completed' ? true : undefined));
    await waitFor('completed event counted', async () => ((await metric(baseUrl, 'schnittstelle_documents_completed_total')) === 1 ? true : undefined));
  });

  it('with Redis killed, a REST submission is answered 503 with a JSON reason, promptly', async () => {
    consoleErrors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    await redis!.stop('SIGKILL');
    expect(await pingRedis(redis!.url, 200)).toBe(false);

    const answer = await postDocument(baseUrl, 'texte', `${BUILDING_LETTER} Ein zweiter Brief.`, 'text/plain; charset=utf-8', { signal: AbortSignal.timeout(10_000) });
    expect(answer.status).toBe(503);
    expect(answer.headers.get('content-type')).toContain('application/json');
    expect(answer.body.error).toBe('unavailable');
    expect(answer.body.message).toMatch(/Redis/);
    expect(answer.body.message).toMatch(/temporarily unavailable/);
  });

  it('a SOAP submission gets a soap:Server fault with HTTP 503', async () => {
    const envelope =
      '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="urn:schnittstelle:v1"><soap:Body>' +
      '<tns:submitDocument><tns:routeId>texte</tns:routeId><tns:xmlDocument>&lt;brief&gt;Ein dritter Brief über den Bebauungsplan.&lt;/brief&gt;</tns:xmlDocument></tns:submitDocument>' +
      '</soap:Body></soap:Envelope>';
    const answer = await http<string>(`${baseUrl}/soap/v1`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8' },
      body: envelope,
      signal: AbortSignal.timeout(10_000),
    });
    expect(answer.status).toBe(503);
    expect(answer.text).toContain('<faultcode>soap:Server</faultcode>');
    expect(answer.text).toContain('temporarily unavailable');
  });

  it('the status API answers 503 too, not 404 or 500', async () => {
    const answer = await http(`${baseUrl}/api/v1/documents/00000000-0000-8000-8000-000000000000`, { signal: AbortSignal.timeout(10_000) });
    expect(answer.status).toBe(503);
    expect(answer.body.error).toBe('unavailable');
  });

  it('liveness stays 200 while readiness is 503 and names redis', async () => {
    const live = await http(`${baseUrl}/health/live`, { signal: AbortSignal.timeout(10_000) });
    expect(live.status).toBe(200);
    const ready = await http(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(10_000) });
    expect(ready.status).toBe(503);
    expect(ready.body.status).toBe('error');
    expect(Object.keys(ready.body.error ?? {})).toContain('redis');
  });

  it('recovers when Redis is back: ready again and documents go through', async () => {
    await redis!.start();
    await waitFor('ready again', async () => ((await http(`${baseUrl}/health/ready`)).status === 200 ? true : undefined), 20_000, 200);
    const answer = await postDocument(baseUrl, 'texte', `${BUILDING_LETTER} Nach dem Ausfall.`, 'text/plain; charset=utf-8', { signal: AbortSignal.timeout(10_000) });
    expect(answer.status).toBe(202);
    await waitFor('document after recovery completed', async () => ((await getStatus(baseUrl, answer.body.documentId)).state === 'completed' ? true : undefined), 30_000);
  });

  // The event transport retries lost connections; without that, events stopped for good after an outage.
  it('after the outage the event bus reconnects, so the second completed document is counted', async () => {
    await waitFor('second completed event counted', async () => ((await metric(baseUrl, 'schnittstelle_documents_completed_total')) === 2 ? true : undefined), 5_000, 100);
  });

  // With the transport reconnected, closing works again: before, quit() on a dead client made app.close() reject.
  it('after a Redis outage (Redis back), app.close() resolves', async () => {
    closed = true;
    try {
      await running!.close();
    } catch (error) {
      closeFailed = true;
      throw error;
    }
  });
});

describe('ensureRedis (the embedded default)', () => {
  let ensured: EnsuredRedis | undefined;

  afterAll(async () => {
    await ensured?.stop();
  });

  it('starts a private redis-server when nothing answers at the default and REDIS_URL was not set', async () => {
    const unused = `redis://127.0.0.1:${await freePort()}`;
    ensured = await ensureRedis({ url: unused, explicit: false });
    expect(ensured.privateServer).toBeDefined();
    expect(ensured.url).not.toBe(unused);
    expect(await pingRedis(ensured.url)).toBe(true);
    const { dir } = ensured.privateServer!;
    await ensured.stop();
    expect(await pingRedis(ensured.url, 300)).toBe(false);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('refuses with a message naming the ways out when REDIS_URL was set and does not answer', async () => {
    const unused = `redis://127.0.0.1:${await freePort()}`;
    const attempt = ensureRedis({ url: unused, explicit: true });
    await expect(attempt).rejects.toBeInstanceOf(RedisStartupError);
    const message = await attempt.then(
      () => '',
      (error: Error) => error.message,
    );
    expect(message).toContain(unused);
    expect(message).toContain('REDIS_URL');
    expect(message).toContain('redis-server');
    expect(message).toContain('docker compose');
  });

  it('uses a Redis that answers as it is', async () => {
    const shared = await ensureRedis({ url: 'redis://127.0.0.1:6379', explicit: true });
    expect(shared).toMatchObject({ url: 'redis://127.0.0.1:6379' });
    expect(shared.privateServer).toBeUndefined();
    await shared.stop();
  });
});

// ioredis' disconnect() on a client whose socket already died (a refused ping, the dead transport clients
// dropped by forceClose) leaves its 2 s "destroy the stream" timer running; let it run out here so Jest
// exits on its own instead of warning that it did not exit.
afterAll(() => new Promise<void>((resolve) => setTimeout(resolve, 2_100)));
