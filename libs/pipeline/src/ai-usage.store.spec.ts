import { afterAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { DeferredError } from '@app/contracts';
import { expectRejected, TEST_REDIS_URL } from '@app/testing';
import { AiUsageStore, budgetDay } from './ai-usage.store.js';

const redis = new Redis(TEST_REDIS_URL);
const prefix = `sst-usage-${process.pid}-${Date.now()}`;
let clock = Date.parse('2026-03-28T12:00:00.000Z');
const store = (options: { leaseMs?: number } = {}) => new AiUsageStore(redis, { prefix, timeZone: 'Europe/Berlin', now: () => clock, ...options });

const deferral = (promise: Promise<unknown>) => expectRejected(DeferredError, promise);

beforeEach(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

describe('AiUsageStore: provider limits across processes', () => {
  it('admits as many calls at once as the provider allows and defers the next until one leaves', async () => {
    const a = store();
    const b = store(); // a second process of the same installation
    const leaveA = await a.enterProvider('krz-llm', { concurrency: 2 });
    const leaveB = await b.enterProvider('krz-llm', { concurrency: 2 });
    const busy = await deferral(a.enterProvider('krz-llm', { concurrency: 2 }));
    expect(busy.code).toBe('provider-busy');
    expect(busy.message).toContain('2 at once');
    expect(busy.retryAt).toBeGreaterThan(clock);
    expect(await a.providerUsage('krz-llm')).toEqual({ active: 2, lastMinute: 2 });

    await leaveB();
    const leaveC = await a.enterProvider('krz-llm', { concurrency: 2 });
    expect((await a.providerUsage('krz-llm')).active).toBe(2);
    await Promise.all([leaveA(), leaveC()]);
    expect((await a.providerUsage('krz-llm')).active).toBe(0);
    // Other providers are not affected.
    await (await a.enterProvider('eu-llm', { concurrency: 1 }))();
  });

  it('frees the place of a holder that never left once its lease ends (a crashed worker)', async () => {
    const s = store({ leaseMs: 5000 });
    await s.enterProvider('krz-llm', { concurrency: 1 });
    await deferral(s.enterProvider('krz-llm', { concurrency: 1 }));
    clock += 5001;
    await s.enterProvider('krz-llm', { concurrency: 1 });
  });

  it('starts at most requestsPerMinute calls in any 60 seconds and says when the next may start', async () => {
    const s = store();
    const start = clock;
    for (let i = 0; i < 3; i++) {
      await (await s.enterProvider('krz-llm', { requestsPerMinute: 3 }))();
      clock += 1000;
    }
    const limited = await deferral(s.enterProvider('krz-llm', { requestsPerMinute: 3 }));
    expect(limited.retryAt).toBe(start + 60_000);
    clock = start + 60_001;
    await (await s.enterProvider('krz-llm', { requestsPerMinute: 3 }))();
    expect((await s.providerUsage('krz-llm')).lastMinute).toBe(3);
  });

  it('does not limit a provider without limits', async () => {
    const s = store();
    for (let i = 0; i < 50; i++) await s.enterProvider('frei', undefined);
    expect(await s.providerUsage('frei')).toEqual({ active: 0, lastMinute: 0 });
  });
});

describe('AiUsageStore: token budget per route and day', () => {
  it('counts tokens per route and defers until the next local midnight once the day is spent', async () => {
    clock = Date.parse('2026-03-28T22:30:00.000Z'); // 23:30 in Berlin (CET, +1)
    const s = store();
    await s.assertBudget('bescheide', 1000);
    await s.addTokens('bescheide', 600);
    await s.addTokens('andere', 5000);
    expect(await s.budget('bescheide', 1000)).toEqual({ tokensPerDay: 1000, used: 600, remaining: 400, day: '2026-03-28', resetsAt: '2026-03-28T23:00:00.000Z' });
    await s.addTokens('bescheide', 400);
    const spent = await deferral(s.assertBudget('bescheide', 1000));
    expect(spent.code).toBe('token-budget-spent');
    expect(spent.retryAt).toBe(Date.parse('2026-03-28T23:00:00.000Z'));
    expect(spent.message).toContain('1000 tokens for 2026-03-28');
    // A route without a budget is never deferred.
    await s.assertBudget('andere', undefined);

    clock = Date.parse('2026-03-28T23:00:00.000Z'); // midnight in Berlin: a new day, a new budget
    await s.assertBudget('bescheide', 1000);
    expect((await s.budget('bescheide', 1000)).day).toBe('2026-03-29');
  });

  it('knows where the day ends across the change to summer time', () => {
    // 29 March 2026: clocks go from 02:00 CET to 03:00 CEST; the next midnight is at UTC+2.
    expect(budgetDay(Date.parse('2026-03-29T10:00:00.000Z'), 'Europe/Berlin')).toEqual({ day: '2026-03-29', resetsAt: Date.parse('2026-03-29T22:00:00.000Z') });
    expect(budgetDay(Date.parse('2026-10-25T21:59:00.000Z'), 'Europe/Berlin')).toEqual({ day: '2026-10-25', resetsAt: Date.parse('2026-10-25T23:00:00.000Z') });
    expect(budgetDay(Date.parse('2026-07-01T12:00:00.000Z'), 'UTC')).toEqual({ day: '2026-07-01', resetsAt: Date.parse('2026-07-02T00:00:00.000Z') });
  });
});
