import type { DocumentState } from './document.types.js';

/** Event patterns the apps exchange over the Redis transport of @nestjs/microservices. */
export const DocumentEvents = {
  accepted: 'document.accepted',
  stepDone: 'document.step.done',
  completed: 'document.completed',
  failed: 'document.failed',
} as const;

export type DocumentEventPattern = (typeof DocumentEvents)[keyof typeof DocumentEvents];

/** Events carry references only, never document text (no personal data on the bus). */
export interface DocumentEvent {
  /** The installation's queue prefix: Redis pub/sub channels are shared by every installation on one Redis. */
  installation: string;
  documentId: string;
  routeId: string;
  state: DocumentState;
  step?: string;
  at: string;
  reason?: string;
}
