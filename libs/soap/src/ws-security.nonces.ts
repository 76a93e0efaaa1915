import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { UnavailableError } from '@app/contracts';

/** Remembers UsernameToken nonces for as long as a token carrying them could still be fresh. */
export interface NonceStore {
  /** Resolves true the first time a nonce is claimed within `ttlSeconds`, false for a replay. */
  claim(nonce: Buffer, ttlSeconds: number): Promise<boolean>;
}

const READY_GRACE_MS = 1000;

/**
 * Nonces in Redis, claimed with one `SET key 1 EX ttl NX`: atomic, so of two requests carrying the same
 * nonce exactly one passes, whichever gateway process each reaches, and the key expires by itself once
 * the token's Created time is out of the window anyway. Redis rather than process memory because a
 * gateway cannot know whether other gateway processes share its traffic, and every gateway already
 * depends on Redis for its queues. A Redis that does not answer refuses the request (UnavailableError,
 * answered 503): skipping the check would let replays through.
 */
export class RedisNonceStore implements NonceStore {
  constructor(
    private readonly redis: Redis,
    /** Key prefix, normally the installation's QUEUE_PREFIX. */
    private readonly prefix: string,
  ) {}

  async claim(nonce: Buffer, ttlSeconds: number): Promise<boolean> {
    if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1) throw new RangeError(`nonce ttl must be a positive whole number of seconds, got ${ttlSeconds}`);
    // Hashed: keys of one fixed length whatever the client sent, and the same bytes in any base64 spelling.
    const key = `${this.prefix}:wss-nonce:${createHash('sha256').update(nonce).digest('hex')}`;
    try {
      await this.ready();
      return (await this.redis.set(key, '1', 'EX', ttlSeconds, 'NX')) === 'OK';
    } catch (error) {
      throw new UnavailableError(`the replay check (Redis) did not answer: ${(error as Error).message}`, { cause: error });
    }
  }

  /** A connection that is (re)connecting gets a short grace period; a dead one fails at once after it. */
  private async ready(): Promise<void> {
    if (this.redis.status === 'ready') return;
    if (this.redis.status === 'end') throw new Error('connection closed');
    if (this.redis.status === 'wait') void this.redis.connect().catch(() => undefined);
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error) => {
        clearTimeout(timer);
        this.redis.off('ready', onReady);
        this.redis.off('end', onEnd);
        if (error) reject(error);
        else resolve();
      };
      const onReady = () => done();
      const onEnd = () => done(new Error('connection closed'));
      const timer = setTimeout(() => done(new Error(`not connected (${this.redis.status})`)), READY_GRACE_MS);
      this.redis.once('ready', onReady);
      this.redis.once('end', onEnd);
    });
  }
}
