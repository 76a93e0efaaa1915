import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { PermanentError } from '@app/contracts';
import { openSqliteAuditFile, parseAuditUrl } from './audit.database.js';

describe('parseAuditUrl', () => {
  it.each([
    ['sqlite:data/audit.db', 'data/audit.db'],
    ['sqlite:///var/lib/audit.db', '/var/lib/audit.db'],
    ['sqlite::memory:', ':memory:'],
    [':memory:', ':memory:'],
    ['/var/lib/audit.db', '/var/lib/audit.db'],
    ['./audit.db', './audit.db'],
  ])('reads %s as the SQLite file %s', (url, path) => {
    expect(parseAuditUrl(url)).toEqual({ dialect: 'sqlite', path });
  });

  it.each(['postgres://u:p@db:5432/audit', 'postgresql://db/audit?sslmode=require', 'POSTGRES://db/audit'])('reads %s as PostgreSQL', (url) => {
    expect(parseAuditUrl(url)).toEqual({ dialect: 'postgres', connectionString: url });
  });

  it('refuses an empty url, an empty file name and an unknown scheme without echoing it', () => {
    expect(() => parseAuditUrl(' ')).toThrow(PermanentError);
    expect(() => parseAuditUrl('sqlite:')).toThrow(PermanentError);
    expect(() => parseAuditUrl('mysql://root:hunter2@db/audit')).toThrow(/"mysql" is not supported/);
    expect(() => parseAuditUrl('mysql://root:hunter2@db/audit')).not.toThrow(/hunter2/);
  });
});

describe('openSqliteAuditFile', () => {
  it('keeps every commit synced in WAL mode: synchronous stays FULL once the write-ahead log is in use', () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-sync-'));
    const sqlite = openSqliteAuditFile(join(dir, 'audit.db'), 1000);
    try {
      // SQLite switches to the build's WAL default (NORMAL here) at the first transaction, unless it was set.
      sqlite.exec('create table t (x integer)');
      sqlite.prepare('insert into t values (1)').run();
      expect(sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(sqlite.pragma('synchronous', { simple: true })).toBe(2);
    } finally {
      sqlite.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
