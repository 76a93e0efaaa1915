import type { DefaultJobOptions } from 'bullmq';

/**
 * Retries with exponential backoff; completed jobs are kept a week so a duplicate delivery with the same
 * deterministic id is recognised, failed ones a month for the operators.
 */
export function defaultJobOptions(queue: { attempts: number; backoffMs: number }): DefaultJobOptions {
  return {
    attempts: queue.attempts,
    backoff: { type: 'exponential', delay: queue.backoffMs },
    removeOnComplete: { age: 7 * 86_400, count: 50_000 },
    removeOnFail: { age: 30 * 86_400 },
  };
}
