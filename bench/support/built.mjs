// The benchmarks run the compiled middleware from dist/ against the shared Redis: where dist/ is, a clear
// stop when it is not built, and the clean-up of the keys a run left.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const dist = (file) => path.join(root, 'dist', file);

/** Exits with code 2 naming the first missing file, so a stale checkout says what to do. */
export function requireBuilt(...files) {
  for (const file of files) {
    if (!existsSync(dist(file))) {
      console.error(`${dist(file)} is missing: run \`npm run build\` first.`);
      process.exit(2);
    }
  }
}

/** Deletes every key under `<prefix>:`; answers how many. */
export async function dropKeys(redisUrl, prefix) {
  const { Redis } = await import('ioredis');
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  let cursor = '0';
  let removed = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) removed += await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
  return removed;
}
