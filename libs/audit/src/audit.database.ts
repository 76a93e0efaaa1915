import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PermanentError } from '@app/contracts';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { AuditDb } from './audit.schema.js';
import type { AuditDialect } from './audit.types.js';

export type AuditTarget = { dialect: 'sqlite'; path: string } | { dialect: 'postgres'; connectionString: string };

/**
 * `postgres://` / `postgresql://` -> PostgreSQL; `sqlite:<path>`, `sqlite://<path>`, `:memory:` or a
 * plain file path -> SQLite. Any other scheme is refused rather than taken for a file name.
 */
export function parseAuditUrl(url: string): AuditTarget {
  const trimmed = url.trim();
  if (trimmed === '') throw new PermanentError('audit database url is empty', 'audit-config');
  if (/^postgres(ql)?:\/\//i.test(trimmed)) return { dialect: 'postgres', connectionString: trimmed };
  let path = trimmed;
  if (/^sqlite:\/\//i.test(path)) path = path.slice('sqlite://'.length);
  else if (/^sqlite:/i.test(path)) path = path.slice('sqlite:'.length);
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    // Name only the scheme: the rest may hold a password.
    throw new PermanentError(`audit database url scheme "${path.split(':')[0]}" is not supported (use sqlite: or postgres://)`, 'audit-config');
  }
  if (path === '') throw new PermanentError('audit database url names no SQLite file', 'audit-config');
  return { dialect: 'sqlite', path };
}

export interface AuditDatabase {
  dialect: AuditDialect;
  db: Kysely<AuditDb>;
  /** SQLite only: the handle whose busy_timeout an append switches around BEGIN IMMEDIATE. */
  sqlite?: Database.Database;
  /** SQLite only: the file (or `:memory:`). */
  path?: string;
}

/** A connection to a SQLite audit file (or `:memory:`), in WAL mode, each commit fsynced, waiting up to busyTimeoutMs for locks. */
export function openSqliteAuditFile(path: string, busyTimeoutMs: number): Database.Database {
  const memory = path === ':memory:';
  if (!memory) mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new Database(path, { timeout: busyTimeoutMs });
  try {
    // WAL lets readers (status pages, verify) run while another connection appends.
    if (!memory) sqlite.pragma('journal_mode = WAL');
    // better-sqlite3 is built with SQLITE_DEFAULT_WAL_SYNCHRONOUS=1: unset, a WAL commit is not fsynced, and
    // a power cut could take the last records of entries whose senders already hold a receipt.
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma(`busy_timeout = ${busyTimeoutMs}`);
  } catch (error) {
    sqlite.close();
    throw error;
  }
  return sqlite;
}

export function openAuditDatabase(target: AuditTarget, busyTimeoutMs: number): AuditDatabase {
  if (target.dialect === 'sqlite') {
    const sqlite = openSqliteAuditFile(target.path, busyTimeoutMs);
    return { dialect: 'sqlite', sqlite, path: target.path, db: new Kysely<AuditDb>({ dialect: new SqliteDialect({ database: sqlite }) }) };
  }
  const pool = new pg.Pool({
    connectionString: target.connectionString,
    max: 4,
    // Fail fast when the server is away (the caller answers 503) instead of hanging a request.
    connectionTimeoutMillis: busyTimeoutMs,
    // Bounds the wait for the advisory lock another process holds.
    lock_timeout: busyTimeoutMs,
    application_name: 'schnittstelle-audit',
  });
  // An idle client losing its server emits 'error' on the pool; unhandled, it would end the process.
  // The next query fails on its own and reports UnavailableError.
  pool.on('error', () => undefined);
  return { dialect: 'postgres', db: new Kysely<AuditDb>({ dialect: new PostgresDialect({ pool }) }) };
}
