import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { loadConfig, serviceUrls, type AppConfig } from '@app/config';
import { Redis } from 'ioredis';
import { freePort, redisOptionsFromUrl } from '@app/queue';

export { freePort };

/** Where the shared services of this machine or CI are; tests use them, never mocks of them. */
export const TEST_REDIS_URL = serviceUrls().redisUrl;
export const TEST_DATABASE_URL = serviceUrls().databaseUrl ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestInstallation {
  dir: string;
  env: Record<string, string>;
  config: AppConfig;
}

/**
 * A private installation for one test file: its own folders, routes file, SQLite audit log and queue prefix
 * (so test files running at once on one Redis never see each other's jobs), on a free port.
 */
export async function testInstallation(routesYaml: string, env: Record<string, string> = {}): Promise<TestInstallation> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'schnittstelle-test-'));
  fs.writeFileSync(path.join(dir, 'routes.yaml'), routesYaml);
  const fullEnv: Record<string, string> = {
    REDIS_URL: TEST_REDIS_URL,
    HTTP_PORT: String(await freePort()),
    SCHNITTSTELLE_ROUTES: path.join(dir, 'routes.yaml'),
    SCHNITTSTELLE_VAR_DIR: path.join(dir, 'var'),
    QUEUE_PREFIX: `t${randomUUID().slice(0, 8)}`,
    JOB_BACKOFF_MS: '50',
    FOLDER_POLL_MS: '100',
    FOLDER_STABLE_MS: '100',
    LOG_LEVEL: 'silent',
    ...env,
  };
  try {
    return { dir, env: fullEnv, config: loadConfig(fullEnv, dir) };
  } catch (error) {
    // A test of bad settings gets the error; the folder made for it goes.
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Waits for a condition, bounded: the test fails with `what` instead of hanging. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Removes every key a test installation left in the shared Redis (queue prefix = document store prefix). */
export async function dropInstallationKeys(config: AppConfig): Promise<void> {
  const redis = new Redis({ ...redisOptionsFromUrl(config.redis.url), lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${config.queue.prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } catch {
    // The shared Redis being away at cleanup is not the test's failure.
  } finally {
    redis.disconnect();
  }
}

/** Removes what a test installation left: its keys in the shared Redis and its folder. */
export async function removeInstallation(installation: TestInstallation | undefined): Promise<void> {
  if (!installation) return;
  await dropInstallationKeys(installation.config);
  fs.rmSync(installation.dir, { recursive: true, force: true });
}
