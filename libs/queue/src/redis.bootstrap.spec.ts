import { afterEach, describe, expect, it } from '@jest/globals';
import { ensureRedis, pingRedis, RedisStartupError, type EnsuredRedis } from './redis.bootstrap.js';
import { redisOptionsFromUrl } from './redis.connection.js';

// Port 9 (discard) has no Redis on any machine here.
const DEAD = 'redis://127.0.0.1:9';

describe('ensureRedis', () => {
  let started: EnsuredRedis | undefined;
  afterEach(async () => {
    await started?.stop();
    started = undefined;
  });

  it('uses a Redis that answers', async () => {
    const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    started = await ensureRedis({ url, explicit: true });
    expect(started).toEqual(expect.objectContaining({ url }));
    expect(started.privateServer).toBeUndefined();
  });

  it('starts a private redis-server when the default does not answer, and stops it again', async () => {
    started = await ensureRedis({ url: DEAD, explicit: false });
    expect(started.privateServer).toBeDefined();
    expect(await pingRedis(started.url)).toBe(true);
    const { url } = started;
    await started.stop();
    started = undefined;
    expect(await pingRedis(url, 300)).toBe(false);
  });

  it('never starts one in place of an explicit REDIS_URL, and names the ways out', async () => {
    const error = await ensureRedis({ url: DEAD, explicit: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisStartupError);
    const message = (error as Error).message;
    expect(message).toContain(`Redis does not answer at ${DEAD} (REDIS_URL)`);
    expect(message).toMatch(/set REDIS_URL/);
    expect(message).toMatch(/install redis-server/);
    expect(message).toMatch(/docker\/compose\.yaml/);
  });

  it('says so when no redis-server is installed', async () => {
    await expect(ensureRedis({ url: DEAD, explicit: false }, { redisServerBinary: null })).rejects.toThrow(/\(the default\)[\s\S]*install redis-server/);
  });
});

describe('redisOptionsFromUrl', () => {
  it('reads host, port, credentials, database and TLS', () => {
    expect(redisOptionsFromUrl('rediss://app:s%40cret@redis.intern:6380/2')).toEqual({
      host: 'redis.intern', port: 6380, username: 'app', password: 's@cret', db: 2, tls: {},
    });
    expect(redisOptionsFromUrl('redis://[::1]')).toEqual(expect.objectContaining({ host: '::1', port: 6379, db: 0 }));
  });
});
