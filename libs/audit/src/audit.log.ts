import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { PermanentError, UnavailableError } from '@app/contracts';
import { sql, type Kysely, type Selectable } from 'kysely';
import { auditRow, chainAuditRecords, SqliteAuditAppender } from './audit-sqlite.appender.js';
import { SqliteAuditWriter } from './audit-sqlite.writer.js';
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
  #sqliteAppender?: SqliteAuditAppender;
  /** SQLite files: appends go to a thread of their own (see SqliteAuditWriter) once it runs. */
  #writer?: SqliteAuditWriter;

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
    // A memory database is private to its connection: only files get a writer thread.
    if (target.dialect === 'sqlite' && target.path !== ':memory:' && options.writerThread !== false) {
      log.#writer = SqliteAuditWriter.start({ path: target.path, table, busyTimeoutMs });
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
      await this.#writer?.close();
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
   * On the writer thread when there is one. Else here: better-sqlite3 is synchronous, and its own busy wait
   * would block the event loop (and a second AuditLog in this process holding the lock could then never
   * commit), so each attempt does not wait for the lock and backs off asynchronously, up to busyTimeoutMs.
   */
  private async appendSqlite(entries: AuditEntry[]): Promise<AuditRecord[]> {
    if (this.#writer?.alive) return this.#writer.append(entries);
    this.#sqliteAppender ??= new SqliteAuditAppender(this.database.sqlite!, this.table, this.busyTimeoutMs);
    const deadline = Date.now() + this.busyTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      const written = this.#sqliteAppender.tryAppend(entries);
      if (written.records) return written.records;
      if (Date.now() >= deadline) throw written.busy;
      await sleep(Math.min(2 ** attempt, 50) * (0.5 + Math.random()));
    }
  }

  private async appendPostgres(entries: AuditEntry[]): Promise<AuditRecord[]> {
    // READ COMMITTED on purpose: the SELECT after the lock then sees the previous holder's row.
    return this.database.db
      .transaction()
      .setIsolationLevel('read committed')
      .execute(async (trx) => {
        await this.lockPostgres(trx);
        const last = await trx.selectFrom(this.table).select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
        const records = chainAuditRecords(last, entries);
        await trx
          .insertInto(this.table)
          .values(records.map(auditRow))
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

/** A 64-bit key per table, so logs in different tables do not wait for each other. Exported for tests. */
export function advisoryLockKey(table: string): string {
  const digest = createHash('sha256').update(`schnittstelle-audit:${table}`).digest();
  return digest.readBigInt64BE(0).toString();
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
