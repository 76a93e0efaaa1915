/** Every queue and job name lives here, so producers and consumers cannot drift apart. */
export const QueueNames = {
  intake: 'intake',
  ai: 'ai',
  writeback: 'writeback',
  deadLetter: 'dead-letter',
} as const;

export type QueueName = (typeof QueueNames)[keyof typeof QueueNames];

/** The queues a document travels through, in order; the dead-letter queue is apart. */
export const PIPELINE_QUEUES = [QueueNames.intake, QueueNames.ai, QueueNames.writeback] as const;

export const ALL_QUEUES: QueueName[] = [...PIPELINE_QUEUES, QueueNames.deadLetter];

/** Pipeline steps that are not AI steps of a route. */
export const Steps = { intake: 'intake', writeback: 'writeback' } as const;

export const JobNames = {
  intake: 'intake',
  writeback: 'writeback',
  deadLetter: 'dead-letter',
} as const;

/**
 * Deterministic job id `<documentId>.<step>`: a duplicate delivery or a retry finds the job already there.
 * The separator is "." because BullMQ 6 refuses ":" in custom ids (it reserves it for repeatable jobs).
 */
export function jobIdFor(documentId: string, step: string): string {
  return `${documentId}.${step}`;
}
