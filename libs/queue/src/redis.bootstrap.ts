import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { RedisConfig } from '@app/config';
import { redisOptionsFromUrl } from './redis.connection.js';

export class RedisStartupError extends Error {
  override name = 'RedisStartupError';
}

export interface EnsuredRedis {
  url: string;
  /** Set when this process started its own redis-server; it stops with the process. */
  privateServer?: { pid: number; dir: string };
  stop(): Promise<void>;
}

export async function pingRedis(url: string, timeoutMs = 1500): Promise<boolean> {
  const client = new Redis({
    ...redisOptionsFromUrl(url),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

function findOnPath(command: string): string | undefined {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  const found = result.stdout.trim();
  return result.status === 0 && found ? found : undefined;
}

/** A port nothing listens on right now (the kernel's choice), for a private server. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function startPrivateServer(binary: string): Promise<EnsuredRedis> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'schnittstelle-redis-'));
  const port = await freePort();
  const child: ChildProcess = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: 'ignore',
  });
  const url = `redis://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  // A private server must not outlive us, however the process ends (Nest's shutdown hooks end it on a signal).
  process.once('exit', () => {
    child.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  });
  for (let i = 0; i < 50; i++) {
    if (child.exitCode !== null) break;
    if (await pingRedis(url, 200)) return { url, privateServer: { pid: child.pid!, dir }, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new RedisStartupError(`redis-server at ${binary} did not start on port ${port}.`);
}

/**
 * The embedded default: use Redis where configured; if nothing answers at the default address and
 * redis-server is installed, start a private one. Never hangs: either a URL that answers or an error
 * that names the ways out.
 */
export async function ensureRedis(config: RedisConfig, options: { redisServerBinary?: string | null } = {}): Promise<EnsuredRedis> {
  if (await pingRedis(config.url)) return { url: config.url, stop: async () => undefined };
  const where = `Redis does not answer at ${config.url}${config.explicit ? ' (REDIS_URL)' : ' (the default)'}.`;
  const binary = options.redisServerBinary === undefined ? findOnPath('redis-server') : options.redisServerBinary;
  if (!config.explicit && binary) return startPrivateServer(binary);
  throw new RedisStartupError(
    [
      where,
      'Schnittstelle needs Redis for its queues. Ways out:',
      '  - set REDIS_URL to a Redis that answers, e.g. REDIS_URL=redis://redis.example.internal:6379',
      '  - install redis-server (Debian/Ubuntu: apt-get install redis-server); with REDIS_URL unset Schnittstelle then starts a private one',
      '  - start Redis with the compose file: docker compose -f docker/compose.yaml up -d redis',
    ].join('\n'),
  );
}
