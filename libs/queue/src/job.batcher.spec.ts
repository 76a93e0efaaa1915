import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { JobBatcher } from './job.batcher.js';
import { redisOptionsFromUrl } from './redis.connection.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('JobBatcher (real Redis)', () => {
  const prefix = `batcher-${randomUUID().slice(0, 8)}`;
  let queue: Queue;

  beforeAll(async () => {
    queue = new Queue('batched', { connection: redisOptionsFromUrl(REDIS_URL), prefix, defaultJobOptions: { attempts: 4, removeOnComplete: { count: 10 } } });
    await queue.waitUntilReady();
  });

  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
  });

  it('adds the jobs of one turn in one addBulk, each with its id, data and the queue defaults', async () => {
    const batcher = new JobBatcher(queue);
    const addBulk = jest.spyOn(queue, 'addBulk');
    try {
      const ids = Array.from({ length: 5 }, (_, i) => `doc-${i}.intake`);
      await Promise.all(ids.map((jobId, i) => batcher.add('intake', { documentId: `doc-${i}` }, { jobId })));
      expect(addBulk).toHaveBeenCalledTimes(1);
      for (const [i, jobId] of ids.entries()) {
        const job = await queue.getJob(jobId);
        expect(job).toMatchObject({ name: 'intake', data: { documentId: `doc-${i}` }, opts: { attempts: 4, removeOnComplete: { count: 10 } } });
      }
      // The next turn is the next batch.
      await batcher.add('intake', { documentId: 'doc-5' }, { jobId: 'doc-5.intake' });
      expect(addBulk).toHaveBeenCalledTimes(2);
      expect(await queue.getJob('doc-5.intake')).toBeDefined();
    } finally {
      addBulk.mockRestore();
    }
  });

  it('adds a job once when its id comes twice, in one batch or later', async () => {
    const batcher = new JobBatcher(queue);
    const before = await queue.getJobCountByTypes('waiting');
    await Promise.all([batcher.add('intake', { n: 1 }, { jobId: 'twice.intake' }), batcher.add('intake', { n: 2 }, { jobId: 'twice.intake' })]);
    await batcher.add('intake', { n: 3 }, { jobId: 'twice.intake' });
    expect((await queue.getJob('twice.intake'))?.data).toEqual({ n: 1 });
    expect(await queue.getJobCountByTypes('waiting')).toBe(before + 1);
  });

  it('rejects every add of a batch that Redis did not take, with its error, and takes the next batch again', async () => {
    // A queue whose connection is closed: Redis takes nothing from it.
    const closed = new Queue('batched', { connection: redisOptionsFromUrl(REDIS_URL), prefix });
    await closed.waitUntilReady();
    await closed.close();
    const batcher = new JobBatcher(closed);
    const outcomes = await Promise.allSettled([batcher.add('intake', {}, { jobId: 'lost-1.intake' }), batcher.add('intake', {}, { jobId: 'lost-2.intake' })]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    const [first, second] = outcomes as PromiseRejectedResult[];
    expect(first!.reason).toBeInstanceOf(Error);
    expect(first!.reason).toBe(second!.reason);
    expect(await queue.getJob('lost-1.intake')).toBeUndefined();
    // The same batcher shape on a live queue goes on working: nothing stayed pending.
    const live = new JobBatcher(queue);
    await live.add('intake', {}, { jobId: 'after.intake' });
    expect(await queue.getJob('after.intake')).toBeDefined();
  });
});
