import { PermanentError } from '@app/contracts';
import { sql, type ColumnType, type Kysely } from 'kysely';
import type { AuditDialect } from './audit.types.js';

/** Columns as stored. `seq` comes back as a string from PostgreSQL (bigint), as a number from SQLite. */
export interface AuditRow {
  seq: ColumnType<number | string, number, never>;
  /** Kept as the exact ISO text that was hashed; a timestamp type would re-format it and break the hash. */
  at: string;
  document_id: string;
  route_id: string | null;
  step: string;
  outcome: string;
  provider: string | null;
  model: string | null;
  detail: string | null;
  prev_hash: string;
  hash: string;
}

/** The table name is chosen at run time, so the database type is keyed by any name. */
export type AuditDb = Record<string, AuditRow>;

export const DEFAULT_AUDIT_TABLE = 'audit_log';

const TABLE_NAME = /^[a-z_][a-z0-9_]{0,47}$/;

/** The name ends up in DDL and lock keys: keep it a plain identifier. */
export function assertAuditTableName(table: string): string {
  if (!TABLE_NAME.test(table)) throw new PermanentError(`audit table name "${table}" must match ${TABLE_NAME}`, 'audit-config');
  return table;
}

/**
 * Creates the table and its index if missing; safe to run on every start. On PostgreSQL the caller
 * runs it under the table's advisory lock, because concurrent CREATE TABLE IF NOT EXISTS can still
 * collide in the catalog.
 */
export async function migrateAuditTable(db: Kysely<AuditDb>, dialect: AuditDialect, table: string): Promise<void> {
  assertAuditTableName(table);
  await db.schema
    .createTable(table)
    .ifNotExists()
    // "integer primary key" makes seq SQLite's rowid; PostgreSQL gets 64 bits.
    .addColumn('seq', dialect === 'sqlite' ? 'integer' : 'bigint', (col) => col.primaryKey())
    .addColumn('at', 'text', (col) => col.notNull())
    .addColumn('document_id', 'text', (col) => col.notNull())
    .addColumn('route_id', 'text')
    .addColumn('step', 'text', (col) => col.notNull())
    .addColumn('outcome', 'text', (col) => col.notNull())
    .addColumn('provider', 'text')
    .addColumn('model', 'text')
    .addColumn('detail', 'text')
    .addColumn('prev_hash', 'text', (col) => col.notNull())
    .addColumn('hash', 'text', (col) => col.notNull())
    // seq starts at 1; the chain check relies on it.
    .addCheckConstraint(`${table}_seq_positive`, sql`seq > 0`)
    .execute();
  await db.schema.createIndex(`${table}_document_idx`).ifNotExists().on(table).columns(['document_id', 'seq']).execute();
}
