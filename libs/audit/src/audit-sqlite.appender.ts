import type Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import { computeAuditHash, GENESIS_HASH } from './audit.hash.js';
import type { AuditEntry, AuditRecord } from './audit.types.js';

/**
 * Appends groups of entries to the SQLite audit table in one transaction each, with statements prepared
 * once (Kysely would build and prepare each on every call). BEGIN IMMEDIATE takes the write lock up front,
 * so no other process can append between our read of the last hash and our inserts; once it is taken, the
 * group is written and committed without yielding.
 */
export class SqliteAuditAppender {
  private readonly statements: Record<'noWait' | 'wait' | 'begin' | 'commit' | 'rollback' | 'last' | 'insert', Statement>;

  /** `table` must have passed assertAuditTableName (a plain identifier). */
  constructor(sqlite: Database.Database, table: string, busyTimeoutMs: number) {
    const quoted = `"${table}"`;
    this.statements = {
      noWait: sqlite.prepare('pragma busy_timeout = 0'),
      wait: sqlite.prepare(`pragma busy_timeout = ${busyTimeoutMs}`),
      begin: sqlite.prepare('begin immediate'),
      commit: sqlite.prepare('commit'),
      rollback: sqlite.prepare('rollback'),
      last: sqlite.prepare(`select "seq", "hash" from ${quoted} order by "seq" desc limit 1`),
      insert: sqlite.prepare(
        `insert into ${quoted} ("seq", "at", "document_id", "route_id", "step", "outcome", "provider", "model", "detail", "prev_hash", "hash") ` +
          'values (@seq, @at, @document_id, @route_id, @step, @outcome, @provider, @model, @detail, @prev_hash, @hash)',
      ),
    };
  }

  /**
   * One attempt that does not wait for the write lock: the records, or the SQLITE_BUSY error when another
   * connection holds it. For the event loop's thread, where SQLite's own busy wait would block everything.
   */
  tryAppend(entries: readonly AuditEntry[]): { records: AuditRecord[]; busy?: undefined } | { records?: undefined; busy: unknown } {
    this.statements.noWait.get();
    try {
      this.statements.begin.run();
    } catch (error) {
      if (isSqliteBusy(error)) return { busy: error };
      throw error;
    } finally {
      this.statements.wait.get();
    }
    return { records: this.writeAndCommit(entries) };
  }

  /** Waits for the write lock up to the busy timeout, blocking the thread: for the writer thread only. */
  append(entries: readonly AuditEntry[]): AuditRecord[] {
    this.statements.begin.run();
    return this.writeAndCommit(entries);
  }

  private writeAndCommit(entries: readonly AuditEntry[]): AuditRecord[] {
    try {
      const last = this.statements.last.get() as { seq: number; hash: string } | undefined;
      const records = chainAuditRecords(last, entries);
      for (const record of records) this.statements.insert.run(auditRow(record));
      this.statements.commit.run();
      return records;
    } catch (error) {
      try {
        this.statements.rollback.run();
      } catch {
        // the transaction may already be gone; the first error is the one to report
      }
      throw error;
    }
  }
}

/** The records of a group, linked to the last one written and to each other; taken under the write lock. */
export function chainAuditRecords(last: { seq: number | string; hash: string } | undefined, entries: readonly AuditEntry[]): AuditRecord[] {
  let seq = last ? Number(last.seq) : 0;
  let prevHash = last?.hash ?? GENESIS_HASH;
  // Taken under the lock, so time order follows seq order on one host.
  const at = new Date().toISOString();
  return entries.map((entry) => {
    const unsigned = { seq: ++seq, at, prevHash, ...entry };
    const record: AuditRecord = { ...unsigned, hash: computeAuditHash(unsigned) };
    prevHash = record.hash;
    return record;
  });
}

/** A record as its row. */
export function auditRow(record: AuditRecord) {
  return {
    seq: record.seq,
    at: record.at,
    document_id: record.documentId,
    route_id: record.routeId ?? null,
    step: record.step,
    outcome: record.outcome,
    provider: record.provider ?? null,
    model: record.model ?? null,
    detail: record.detail ?? null,
    prev_hash: record.prevHash,
    hash: record.hash,
  };
}

export function isSqliteBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}
