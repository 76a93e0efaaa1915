import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { PermanentError, UnavailableError } from '@app/contracts';
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

/**
 * Append-only, hash-chained audit log on SQLite or PostgreSQL. Several processes may append to the
 * same database: each append takes the database's write lock before it reads the last hash, so the
 * chain stays linear and seq has no gaps.
 */
export class AuditLog {
  #closed?: Promise<void>;

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
    return this.run('append', () => (this.database.dialect === 'sqlite' ? this.appendSqlite(clean) : this.appendPostgres(clean)));
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

  /** Idempotent; operations after close fail with UnavailableError. */
  async close(): Promise<void> {
    this.#closed ??= this.database.db.destroy();
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

  private async appendSqlite(entry: AuditEntry): Promise<AuditRecord> {
    // connection() holds Kysely's mutex for the single SQLite connection, so nothing else of this
    // instance runs between BEGIN and COMMIT.
    return this.database.db.connection().execute(async (conn) => {
      await this.beginImmediate(conn);
      try {
        const record = await this.insertNext(conn, entry);
        await sql`commit`.execute(conn);
        return record;
      } catch (error) {
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw error;
      }
    });
  }

  /**
   * BEGIN IMMEDIATE takes the write lock up front, so no other process can append between our read
   * of the last hash and our insert. better-sqlite3 is synchronous: its own busy wait would block
   * the event loop, and a second AuditLog in this process holding the lock could then never commit.
   * So try without waiting and back off asynchronously, up to busyTimeoutMs.
   */
  private async beginImmediate(conn: Kysely<AuditDb>): Promise<void> {
    const sqlite = this.database.sqlite!;
    const deadline = Date.now() + this.busyTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      sqlite.pragma('busy_timeout = 0');
      try {
        await sql`begin immediate`.execute(conn);
        return;
      } catch (error) {
        if (!isSqliteBusy(error) || Date.now() >= deadline) throw error;
      } finally {
        sqlite.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
      }
      await sleep(Math.min(2 ** attempt, 50) * (0.5 + Math.random()));
    }
  }

  private async appendPostgres(entry: AuditEntry): Promise<AuditRecord> {
    // READ COMMITTED on purpose: the SELECT after the lock then sees the previous holder's row.
    return this.database.db
      .transaction()
      .setIsolationLevel('read committed')
      .execute(async (trx) => {
        await this.lockPostgres(trx);
        return this.insertNext(trx, entry);
      });
  }

  /** Serialises appends across processes until the transaction ends; lock_timeout bounds the wait. */
  private async lockPostgres(trx: Kysely<AuditDb>): Promise<void> {
    await sql`select pg_advisory_xact_lock(${advisoryLockKey(this.table)}::bigint)`.execute(trx);
  }

  /** Runs with the write lock held. */
  private async insertNext(db: Kysely<AuditDb>, entry: AuditEntry): Promise<AuditRecord> {
    const last = await db.selectFrom(this.table).select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    const unsigned = {
      seq: last ? Number(last.seq) + 1 : 1,
      // Taken under the lock, so time order follows seq order on one host.
      at: new Date().toISOString(),
      prevHash: last?.hash ?? GENESIS_HASH,
      ...entry,
    };
    const record: AuditRecord = { ...unsigned, hash: computeAuditHash(unsigned) };
    await db
      .insertInto(this.table)
      .values({
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
      })
      .execute();
    return record;
  }

  private async run<T>(operation: string, work: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new UnavailableError(`audit log: cannot ${operation}, the log is closed`);
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
