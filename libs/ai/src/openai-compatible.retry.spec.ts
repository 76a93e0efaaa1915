import { describe, expect, it } from '@jest/globals';
import { abortableSleep, backoffMs, retryAfterMs } from './openai-compatible.retry.js';

const NOW = new Date('2026-05-04T10:00:00.000Z');
const headers = (values: Record<string, string>) => new Headers(values);

describe('retryAfterMs', () => {
  it('reads delay-seconds', () => {
    expect(retryAfterMs(headers({ 'retry-after': '7' }), NOW)).toBe(7000);
    expect(retryAfterMs(headers({ 'retry-after': '0' }), NOW)).toBe(0);
    expect(retryAfterMs(headers({ 'retry-after': '1.5' }), NOW)).toBe(1500);
  });

  it('reads an HTTP date relative to now, a past date as now', () => {
    expect(retryAfterMs(headers({ 'retry-after': 'Mon, 04 May 2026 10:01:30 GMT' }), NOW)).toBe(90_000);
    expect(retryAfterMs(headers({ 'retry-after': 'Mon, 04 May 2026 09:00:00 GMT' }), NOW)).toBe(0);
  });

  it('prefers retry-after-ms', () => {
    expect(retryAfterMs(headers({ 'retry-after-ms': '250', 'retry-after': '9' }), NOW)).toBe(250);
  });

  it('ignores what it cannot read', () => {
    expect(retryAfterMs(headers({}), NOW)).toBeUndefined();
    expect(retryAfterMs(undefined, NOW)).toBeUndefined();
    expect(retryAfterMs(headers({ 'retry-after': '-3' }), NOW)).toBeUndefined();
    expect(retryAfterMs(headers({ 'retry-after': 'soon' }), NOW)).toBeUndefined();
    expect(retryAfterMs(headers({ 'retry-after': '2026' }), NOW)).toBe(2_026_000);
  });
});

describe('backoffMs', () => {
  it('doubles per attempt, takes up to a quarter off at random, and is capped', () => {
    expect([1, 2, 3, 4].map((attempt) => backoffMs(attempt, 500, 3000, () => 0))).toEqual([500, 1000, 2000, 3000]);
    expect(backoffMs(1, 1000, 30_000, () => 0.999)).toBe(750);
  });
});

describe('abortableSleep', () => {
  it('rejects with the reason when aborted, before or during the wait', async () => {
    const controller = new AbortController();
    const sleeping = abortableSleep(600_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(sleeping).rejects.toThrow('stop');
    await expect(abortableSleep(1, AbortSignal.abort(new Error('early')))).rejects.toThrow('early');
    await expect(abortableSleep(0, new AbortController().signal)).resolves.toBeUndefined();
  });
});
