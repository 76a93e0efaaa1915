// Jest cannot load TypeScript with path aliases this early, so this file uses the built libraries
// (`npm run test:jest` builds first).
import fs from 'node:fs';
import net from 'node:net';

const built = new URL('../dist/libs/queue/src/index.js', import.meta.url);

function answers(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1500 }, () => (socket.end(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

/**
 * The tests talk to real services. Redis: the one at REDIS_URL, or a private redis-server when the default
 * does not answer. PostgreSQL (audit log tests): it must answer, or the run stops here saying what to do.
 */
export default async function globalSetup() {
  if (!fs.existsSync(built)) throw new Error('dist/ is missing: run the tests with `npm test` or `npm run test:jest` (they build first).');
  const { serviceUrls } = await import(new URL('../dist/libs/config/src/index.js', import.meta.url).href);
  const { ensureRedis } = await import(built.href);
  const { redisUrl, databaseUrl } = serviceUrls();
  try {
    const redis = await ensureRedis({ url: redisUrl, explicit: process.env.REDIS_URL !== undefined });
    if (redis.privateServer) {
      // Test workers start after this and inherit the environment.
      process.env.REDIS_URL = redis.url;
      process.stdout.write(`\nTests use a private redis-server at ${redis.url} (nothing answered at ${redisUrl}).\n`);
    }
    globalThis.__schnittstelleTestRedis = redis;
  } catch (error) {
    throw new Error(`The tests need Redis.\n${error.message}`);
  }
  if (process.env.SKIP_POSTGRES_TESTS === '1') return;
  const pg = new URL(databaseUrl ?? 'postgres://postgres@127.0.0.1:5432/test');
  if (!(await answers(pg.hostname, Number(pg.port || 5432)))) {
    throw new Error(
      [
        `The audit log tests need PostgreSQL, and nothing answers at ${pg.hostname}:${pg.port || 5432}. Ways out:`,
        '  - start PostgreSQL (Debian: apt-get install postgresql, then pg_ctlcluster <version> main start)',
        '  - set DATABASE_URL=postgres://user@host:5432/db to one that answers',
        '  - set SKIP_POSTGRES_TESTS=1 to leave the PostgreSQL tests out (CI never does)',
      ].join('\n'),
    );
  }
}
