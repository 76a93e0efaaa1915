import net from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { startApplication, type RunningApp } from '@app/runtime';
import { testInstallation, type TestInstallation } from '@app/testing';
import { ANALYSIS_STEPS_YAML, loadApps, removeInstallation } from './support.js';

const ROUTES = `
routes:
  texte:
    accept: [rest]
    steps:${ANALYSIS_STEPS_YAML}
    writeback:
      type: folder
`;

/** One keep-alive request on a raw connection: the response head, and when the server ended the connection. */
async function idleConnection(baseUrl: string): Promise<{ head: string; closedAfterMs: Promise<number> }> {
  const { hostname, port } = new URL(baseUrl);
  const socket = net.connect(Number(port), hostname);
  let received = '';
  const head = new Promise<string>((resolve, reject) => {
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (received.includes('\r\n\r\n')) resolve(received.split('\r\n\r\n')[0]!);
    });
    socket.on('error', reject);
  });
  socket.write(`GET /health/live HTTP/1.1\r\nHost: ${hostname}\r\nConnection: keep-alive\r\n\r\n`);
  const answered = await head;
  const idleSince = Date.now();
  const closedAfterMs = new Promise<number>((resolve) => socket.on('end', () => resolve(Date.now() - idleSince)));
  return { head: answered, closedAfterMs };
}

describe('the HTTP server keeps idle connections open for HTTP_KEEP_ALIVE_TIMEOUT_MS', () => {
  let installation: TestInstallation | undefined;
  let running: RunningApp | undefined;

  afterEach(async () => {
    await running?.close();
    if (installation) await removeInstallation(installation);
    running = undefined;
    installation = undefined;
  });

  async function start(env: Record<string, string> = {}): Promise<RunningApp> {
    installation = await testInstallation(ROUTES, env);
    running = await startApplication(installation.config, [(await loadApps())[0]!], { processName: 'test', quiet: true });
    return running;
  }

  it('by default 65 s, longer than the 60 s idle timeout of common proxies, and says so to the client', async () => {
    const { head } = await idleConnection((await start()).baseUrl);
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    expect(head).toMatch(/\r\nKeep-Alive: timeout=65(\r\n|$)/i);
  });

  it('closes a connection idle for longer than the configured time', async () => {
    const { head, closedAfterMs } = await idleConnection((await start({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '1000' })).baseUrl);
    expect(head).toMatch(/\r\nKeep-Alive: timeout=1(\r\n|$)/i);
    const after = await closedAfterMs;
    // Node's own default would close after 5 s.
    expect(after).toBeGreaterThanOrEqual(900);
    expect(after).toBeLessThan(4500);
  });
});
