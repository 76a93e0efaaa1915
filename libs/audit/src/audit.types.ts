/** What happened to a document at a step; the closed list keeps reports and queries comparable. */
export const AUDIT_OUTCOMES = ['accepted', 'refused', 'done', 'failed', 'retrying', 'skipped', 'written-back'] as const;

export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/**
 * One fact for the audit trail (EU AI Act Art. 12 record-keeping). References and short reasons
 * only: never document text or personal data, because the log is kept longer than the documents.
 */
export interface AuditEntry {
  documentId: string;
  routeId?: string;
  step: string;
  outcome: AuditOutcome;
  provider?: string;
  model?: string;
  /** A short reason (error code, label), never document text. */
  detail?: string;
}

/** An entry as stored: its place in the chain and the hashes that link it to the one before. */
export type AuditRecord = AuditEntry & {
  seq: number;
  /** ISO 8601 time the entry was appended. */
  at: string;
  prevHash: string;
  hash: string;
};

export interface AuditVerification {
  ok: boolean;
  /** How many records were read. */
  checked: number;
  /** seq of the first record that does not fit the chain. */
  brokenAt?: number;
}

export interface AuditLogOptions {
  /** Table name; lets tests and several tenants share one database. Default `audit_log`. */
  table?: string;
  /** How long an append waits for the write lock held by another process. Default 5000 ms. */
  busyTimeoutMs?: number;
  /**
   * SQLite files: append on a thread of their own, so that waiting for the lock and the commit's fsync does
   * not stop the event loop. Default true; it takes effect only in the build (the thread's module is JS).
   */
  writerThread?: boolean;
}

export type AuditDialect = 'sqlite' | 'postgres';
