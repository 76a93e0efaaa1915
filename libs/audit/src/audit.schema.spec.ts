import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PermanentError } from '@app/contracts';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, sql, SqliteDialect } from 'kysely';
import pg from 'pg';
import { assertAuditTableName, migrateAuditTable, type AuditDb } from './audit.schema.js';

const PG_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

describe('assertAuditTableName', () => {
  it('accepts plain identifiers and refuses anything else', () => {
    expect(assertAuditTableName('audit_log')).toBe('audit_log');
    for (const bad of ['', 'Audit', '1audit', 'audit-log', 'a;drop table x', 'a'.repeat(49)]) {
      expect(() => assertAuditTableName(bad)).toThrow(PermanentError);
    }
  });
});

describe('migrateAuditTable on SQLite', () => {
  it('creates the table once and is safe to run again', async () => {
    const db = new Kysely<AuditDb>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    try {
      await migrateAuditTable(db, 'sqlite', 'audit_log');
      await migrateAuditTable(db, 'sqlite', 'audit_log');
      const columns = await sql<{ name: string }>`select name from pragma_table_info('audit_log') order by cid`.execute(db);
      expect(columns.rows.map((c) => c.name)).toEqual([
        'seq', 'at', 'document_id', 'route_id', 'step', 'outcome', 'provider', 'model', 'detail', 'prev_hash', 'hash',
      ]);
      const indexes = await sql<{ name: string }>`select name from pragma_index_list('audit_log')`.execute(db);
      expect(indexes.rows.map((i) => i.name)).toContain('audit_log_document_idx');
      await expect(sql`insert into audit_log values (0, 'a', 'd', null, 's', 'done', null, null, null, 'p', 'h')`.execute(db)).rejects.toMatchObject({
        // better-sqlite3's error comes from another realm under Jest's VM: match its shape.
        message: expect.stringContaining('CHECK constraint failed'),
      });
    } finally {
      await db.destroy();
    }
  });
});

describe('migrateAuditTable on PostgreSQL', () => {
  const table = `audit_m${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  let db: Kysely<AuditDb>;
  beforeAll(() => {
    db = new Kysely<AuditDb>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: PG_URL, max: 2 }) }) });
  });
  afterAll(async () => {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
    await db.destroy();
  });

  it('creates the table once and is safe to run again', async () => {
    await migrateAuditTable(db, 'postgres', table);
    await migrateAuditTable(db, 'postgres', table);
    const columns = await sql<{ column_name: string; data_type: string }>`
      select column_name, data_type from information_schema.columns
      where table_name = ${table} and table_schema = current_schema() order by ordinal_position`.execute(db);
    expect(columns.rows[0]).toEqual({ column_name: 'seq', data_type: 'bigint' });
    expect(columns.rows.find((c) => c.column_name === 'at')).toEqual({ column_name: 'at', data_type: 'text' });
    expect(columns.rows).toHaveLength(11);
  });
});
