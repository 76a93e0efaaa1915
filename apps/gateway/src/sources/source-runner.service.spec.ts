import { describe, expect, it } from '@jest/globals';
import { MAX_RESTART_DELAY_MS, restartDelay } from './source-runner.service.js';

describe('restartDelay', () => {
  it('doubles from the base delay with each failure in a row and stops at the cap', () => {
    expect([1, 2, 3, 4].map((failures) => restartDelay(failures, 50))).toEqual([50, 100, 200, 400]);
    expect(restartDelay(30, 1000)).toBe(MAX_RESTART_DELAY_MS);
    expect(restartDelay(3, 1000, 1500)).toBe(1500);
  });
});
