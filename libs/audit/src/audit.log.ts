import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { PermanentError, UnavailableError } from '@app/contracts';
import type { Statement } from 'better-sqlite3';
import { sql, type Kysely, type Selectable } from 'kysely';
import { openAuditDatabase, parseAuditUrl, type AuditDatabase } from './audit.database.js';
import { computeAuditHash, GENESIS_HASH } from './audit.hash.js';
import { assertAuditTableName, DEFAULT_AUDIT_TABLE, migrateAuditTable, type AuditDb, type AuditRow } from './audit.schema.js';
import { AUDIT_OUTCOMES, type AuditEntry, type AuditLogOptions, type AuditOutcome, type AuditRecord, type AuditVerification } from './audit.types.js';

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** Longer details are cut: the field is for a reason code, and a cap keeps document text from creeping in. */
export const MAX_AUDIT_DETAIL_LENGTH = 500;

/** Rows verify() reads per query, so a long chain is not loaded at once. */
const VERIFY_PAGE = 1000;

/** Most entries one transaction writes; more wait for the next one. */
const MAX_BATCH = 500;

interface QueuedAppend {
  entry: AuditEntry;
  resolve: (record: AuditRecord) => void;
  reject: (error: unknown) => void;
}

/** The SQLite statements of an append, prepared once (Kysely would build and prepare each on every call). */
interface SqliteAppendStatements {
  noWait: Statement;
  wait: Statement;
  begin: Statement;
  commit: Statement;
  rollback: Statement;
  last: Statement;
  insert: Statement;
}

/**
 * Append-only, hash-chained audit log on SQLite or PostgreSQL. Several processes may append to the
 * same database: each append takes the database's write lock before it reads the last hash, so the
 * chain stays linear and seq has no gaps.
 *
 * Appends are committed in groups: those that arrive in the same turn of the event loop, or while
 * the previous group is being written, share one transaction, so the write lock and the commit (on
 * SQLite an fsync of the write-ahead log) are paid once per group instead of once per entry. Each
 * append still resolves to its own record, in the order the appends were made, once it is committed.
 */
export class AuditLog {
  #closed?: Promise<void>;
  /** Set once close() has written what was queued: from then on nothing is written. */
  #destroyed = false;
  #queue: QueuedAppend[] = [];
  #flushing?: Promise<void>;
  #sqliteStatements?: SqliteAppendStatements;

  private constructor(
    private readonly database: AuditDatabase,
    private readonly table: string,
    private readonly busyTimeoutMs: number,
  ) {}

  static async open(url: string, options: AuditLogOptions = {}): Promise<AuditLog> {
    const table = assertAuditTableName(options.table ?? DEFAULT_AUDIT_TABLE);
    const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
      throw new PermanentError(`audit busyTimeoutMs must be a whole number >= 0, got ${busyTimeoutMs}`, 'audit-config');
    }
    const target = parseAuditUrl(url);
    let database: AuditDatabase;
    try {
      database = openAuditDatabase(target, busyTimeoutMs);
    } catch (error) {
      throw new UnavailableError(`audit log: cannot open the ${target.dialect} database`, { cause: error });
    }
    const log = new AuditLog(database, table, busyTimeoutMs);
    try {
      await log.migrate();
    } catch (error) {
      await database.db.destroy().catch(() => undefined);
      throw new UnavailableError(`audit log: cannot prepare table "${table}" in the ${target.dialect} database`, { cause: error });
    }
    return log;
  }

  get dialect(): AuditDatabase['dialect'] {
    return this.database.dialect;
  }

  async append(entry: AuditEntry): Promise<AuditRecord> {
    const clean = normaliseEntry(entry);
    if (this.#closed) throw new UnavailableError('audit log: cannot append, the log is closed');
    return new Promise<AuditRecord>((resolve, reject) => {
      this.#queue.push({ entry: clean, resolve, reject });
      this.#flushing ??= this.flushQueue();
    });
  }

  /** Writes queued appends, a group per transaction, until the queue is empty. */
  private async flushQueue(): Promise<void> {
    // One turn of the event loop lets every request handled in it add its entry to the group.
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.#queue.length > 0) {
        const group = this.#queue.splice(0, MAX_BATCH);
        const entries = group.map((queued) => queued.entry);
        try {
          if (this.#destroyed) throw new UnavailableError('audit log: cannot append, the log is closed');
          const records = await this.run('append', () => (this.database.dialect === 'sqlite' ? this.appendSqlite(entries) : this.appendPostgres(entries)), true);
          group.forEach((queued, i) => queued.resolve(records[i]!));
        } catch (error) {
          for (const queued of group) queued.reject(error);
        }
      }
    } finally {
      this.#flushing = undefined;
    }
  }

  async forDocument(documentId: string): Promise<AuditRecord[]> {
    return this.run('read', async () => {
      const rows = await this.database.db.selectFrom(this.table).selectAll().where('document_id', '=', documentId).orderBy('seq', 'asc').execute();
      return rows.map(toRecord);
    });
  }

  /**
   * Recomputes the chain from the first record: seq must run 1, 2, 3 …, each prevHash must be the
   * hash before it and each hash must match its fields. Deleting the newest records is not visible
   * here; anchor the last hash elsewhere for that.
   */
  async verify(): Promise<AuditVerification> {
    return this.run('verify', async () => {
      let prevHash = GENESIS_HASH;
      let lastSeq = 0;
      let checked = 0;
      for (;;) {
        const rows = await this.database.db
          .selectFrom(this.table)
          .selectAll()
          .where('seq', '>', lastSeq)
          .orderBy('seq', 'asc')
          .limit(VERIFY_PAGE)
          .execute();
        for (const row of rows) {
          const record = toRecord(row);
          checked++;
          const fits = record.seq === lastSeq + 1 && record.prevHash === prevHash && computeAuditHash(record) === record.hash;
          if (!fits) return { ok: false, checked, brokenAt: record.seq };
          prevHash = record.hash;
          lastSeq = record.seq;
        }
        if (rows.length < VERIFY_PAGE) return { ok: true, checked };
      }
    });
  }

  /** Idempotent; appends made before close are still written; operations after close fail with UnavailableError. */
  async close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.#flushing;
      this.#destroyed = true;
      await this.database.db.destroy();
    })();
    await this.#closed;
  }

  private async migrate(): Promise<void> {
    if (this.database.dialect === 'sqlite') {
      await migrateAuditTable(this.database.db, 'sqlite', this.table);
      return;
    }
    await this.database.db.transaction().execute(async (trx) => {
      await this.lockPostgres(trx);
      await migrateAuditTable(trx, 'postgres', this.table);
    });
  }

  /**
   * BEGIN IMMEDIATE takes the write lock up front, so no other process can append between our read
   * of the last hash and our inserts. better-sqlite3 is synchronous: its own busy wait would block
   * the event loop, and a second AuditLog in this process holding the lock could then never commit.
   * So try without waiting and back off asynchronously, up to busyTimeoutMs. Once the lock is taken,
   * the group is written and committed without yielding, so nothing else runs in between.
   */
  private async appendSqlite(entries: AuditEntry[]): Promise<AuditRecord[]> {
    const deadline = Date.now() + this.busyTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      const written = this.tryAppendSqlite(entries);
      if (written.records) return written.records;
      if (Date.now() >= deadline) throw written.busy;
      await sleep(Math.min(2 ** attempt, 50) * (0.5 + Math.random()));
    }
  }

  /** One attempt: the records, or the SQLITE_BUSY error when another connection holds the write lock. */
  private tryAppendSqlite(entries: AuditEntry[]): { records: AuditRecord[]; busy?: undefined } | { records?: undefined; busy: unknown } {
    const statements = this.sqliteStatements();
    statements.noWait.get();
    try {
      statements.begin.run();
    } catch (error) {
      if (isSqliteBusy(error)) return { busy: error };
      throw error;
    } finally {
      statements.wait.get();
    }
    try {
      const last = statements.last.get() as { seq: number; hash: string } | undefined;
      const records = chain(last, entries);
      for (const record of records) statements.insert.run(toRow(record));
      statements.commit.run();
      return { records };
    } catch (error) {
      try {
        statements.rollback.run();
      } catch {
        // the transaction may already be gone; the first error is the one to report
      }
      throw error;
    }
  }

  private sqliteStatements(): SqliteAppendStatements {
    if (this.#sqliteStatements) return this.#sqliteStatements;
    const sqlite = this.database.sqlite!;
    // The table name passed assertAuditTableName: a plain identifier.
    const table = `"${this.table}"`;
    this.#sqliteStatements = {
      noWait: sqlite.prepare('pragma busy_timeout = 0'),
      wait: sqlite.prepare(`pragma busy_timeout = ${this.busyTimeoutMs}`),
      begin: sqlite.prepare('begin immediate'),
      commit: sqlite.prepare('commit'),
      rollback: sqlite.prepare('rollback'),
      last: sqlite.prepare(`select "seq", "hash" from ${table} order by "seq" desc limit 1`),
      insert: sqlite.prepare(
        `insert into ${table} ("seq", "at", "document_id", "route_id", "step", "outcome", "provider", "model", "detail", "prev_hash", "hash") ` +
          'values (@seq, @at, @document_id, @route_id, @step, @outcome, @provider, @model, @detail, @prev_hash, @hash)',
      ),
    };
    return this.#sqliteStatements;
  }

  private async appendPostgres(entries: AuditEntry[]): Promise<AuditRecord[]> {
    // READ COMMITTED on purpose: the SELECT after the lock then sees the previous holder's row.
    return this.database.db
      .transaction()
      .setIsolationLevel('read committed')
      .execute(async (trx) => {
        await this.lockPostgres(trx);
        const last = await trx.selectFrom(this.table).select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
        const records = chain(last, entries);
        await trx
          .insertInto(this.table)
          .values(records.map(toRow))
          .execute();
        return records;
      });
  }

  /** Serialises appends across processes until the transaction ends; lock_timeout bounds the wait. */
  private async lockPostgres(trx: Kysely<AuditDb>): Promise<void> {
    await sql`select pg_advisory_xact_lock(${advisoryLockKey(this.table)}::bigint)`.execute(trx);
  }

  /** `whileClosing`: queued appends are still written while close() waits for them. */
  private async run<T>(operation: string, work: () => Promise<T>, whileClosing = false): Promise<T> {
    if (this.#closed && !whileClosing) throw new UnavailableError(`audit log: cannot ${operation}, the log is closed`);
    try {
      return await work();
    } catch (error) {
      throw new UnavailableError(`audit log: ${operation} failed on the ${this.database.dialect} database`, { cause: error });
    }
  }
}

/** The records of a group, linked to the last one written and to each other; taken under the write lock. */
function chain(last: { seq: number | string; hash: string } | undefined, entries: readonly AuditEntry[]): AuditRecord[] {
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
function toRow(record: AuditRecord) {
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

/** A 64-bit key per table, so logs in different tables do not wait for each other. Exported for tests. */
export function advisoryLockKey(table: string): string {
  const digest = createHash('sha256').update(`schnittstelle-audit:${table}`).digest();
  return digest.readBigInt64BE(0).toString();
}

function isSqliteBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/**
 * Keeps only the known fields, so nothing else a caller passes (a document body) is stored. An
 * invalid entry is a bug that retrying cannot fix, hence PermanentError.
 */
function normaliseEntry(entry: AuditEntry): AuditEntry {
  const invalid = (why: string) => new PermanentError(`audit entry: ${why}`, 'audit-invalid-entry');
  if (typeof entry?.documentId !== 'string' || entry.documentId === '') throw invalid('documentId must be a non-empty string');
  if (typeof entry.step !== 'string' || entry.step === '') throw invalid('step must be a non-empty string');
  if (!(AUDIT_OUTCOMES as readonly string[]).includes(entry.outcome)) throw invalid(`outcome must be one of ${AUDIT_OUTCOMES.join(', ')}`);
  const clean: AuditEntry = { documentId: entry.documentId, step: entry.step, outcome: entry.outcome };
  for (const key of ['routeId', 'provider', 'model', 'detail'] as const) {
    const value = entry[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') throw invalid(`${key} must be a string`);
    clean[key] = key === 'detail' && value.length > MAX_AUDIT_DETAIL_LENGTH ? `${value.slice(0, MAX_AUDIT_DETAIL_LENGTH - 1)}…` : value;
  }
  return clean;
}

function toRecord(row: Selectable<AuditRow>): AuditRecord {
  const record: AuditRecord = {
    seq: Number(row.seq),
    at: row.at,
    prevHash: row.prev_hash,
    hash: row.hash,
    documentId: row.document_id,
    step: row.step,
    outcome: row.outcome as AuditOutcome,
  };
  if (row.route_id !== null) record.routeId = row.route_id;
  if (row.provider !== null) record.provider = row.provider;
  if (row.model !== null) record.model = row.model;
  if (row.detail !== null) record.detail = row.detail;
  return record;
}
