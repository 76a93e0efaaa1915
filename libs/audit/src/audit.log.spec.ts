import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PermanentError, UnavailableError } from '@app/contracts';
import Database from 'better-sqlite3';
import pg from 'pg';
import { computeAuditHash, GENESIS_HASH } from './audit.hash.js';
import { advisoryLockKey, AuditLog, MAX_AUDIT_DETAIL_LENGTH } from './audit.log.js';
import type { AuditEntry } from './audit.types.js';

const PG_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh, empty log location per test, and raw SQL access to it for tampering and lock holding. */
interface Place {
  url: string;
  table: string;
  /** Runs SQL outside AuditLog, as an intruder with database access would. */
  exec(statement: string, params?: unknown[]): Promise<void>;
  /** Takes the same write lock an append needs, from another connection; resolves to its release. */
  holdWriteLock(): Promise<() => Promise<void>>;
}

interface Backend {
  name: string;
  setup(): Promise<void>;
  fresh(): Place;
  teardown(): Promise<void>;
}

function sqliteBackend(): Backend {
  let dir = '';
  let count = 0;
  return {
    name: 'SQLite',
    async setup() {
      dir = mkdtempSync(join(tmpdir(), 'audit-log-'));
    },
    fresh() {
      // A nested directory that does not exist yet: open() must create it.
      const path = join(dir, `case-${++count}`, 'audit.db');
      const table = 'audit_log';
      return {
        url: `sqlite:${path}`,
        table,
        async exec(statement, params = []) {
          const db = new Database(path);
          try {
            db.prepare(statement).run(...params);
          } finally {
            db.close();
          }
        },
        async holdWriteLock() {
          const db = new Database(path);
          db.exec('begin immediate');
          return async () => {
            db.exec('commit');
            db.close();
          };
        },
      };
    },
    async teardown() {
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresBackend(): Backend {
  // Unique per run, so parallel runs against the same database do not meet.
  const prefix = `audit_t${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const tables: string[] = [];
  let admin: pg.Client;
  return {
    name: 'PostgreSQL',
    async setup() {
      admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
    },
    fresh() {
      const table = `${prefix}_${tables.length + 1}`;
      tables.push(table);
      return {
        url: PG_URL,
        table,
        async exec(statement, params = []) {
          await admin.query(statement, params);
        },
        async holdWriteLock() {
          const client = new pg.Client({ connectionString: PG_URL });
          await client.connect();
          await client.query('begin');
          await client.query('select pg_advisory_xact_lock($1::bigint)', [advisoryLockKey(table)]);
          return async () => {
            await client.query('commit');
            await client.end();
          };
        },
      };
    },
    async teardown() {
      if (!admin) return;
      for (const table of tables) await admin.query(`drop table if exists ${table}`);
      await admin.end();
    },
  };
}

const entry = (documentId: string, step: string, extra: Partial<AuditEntry> = {}): AuditEntry => ({
  documentId,
  routeId: 'akten',
  step,
  outcome: 'done',
  ...extra,
});

/** The behaviour every backend must show; written once, run for each. */
function auditLogContract(backend: Backend): void {
  describe(`AuditLog on ${backend.name}`, () => {
    const open: AuditLog[] = [];
    const openLog = async (place: Place, busyTimeoutMs?: number) => {
      const log = await AuditLog.open(place.url, { table: place.table, ...(busyTimeoutMs === undefined ? {} : { busyTimeoutMs }) });
      open.push(log);
      return log;
    };

    beforeAll(() => backend.setup());
    afterAll(async () => {
      await Promise.all(open.map((log) => log.close()));
      await backend.teardown();
    });

    it('appends linked records with seq from 1', async () => {
      const log = await openLog(backend.fresh());
      const first = await log.append(entry('doc-1', 'intake', { outcome: 'accepted' }));
      const second = await log.append(entry('doc-1', 'kurz', { provider: 'embedded', model: 'extractive-v1', detail: '3 sentences' }));

      expect(first).toMatchObject({ seq: 1, prevHash: GENESIS_HASH, documentId: 'doc-1', routeId: 'akten', step: 'intake', outcome: 'accepted' });
      expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(new Date(first.at).toISOString()).toBe(first.at);
      expect(first).not.toHaveProperty('provider');
      expect(second).toMatchObject({ seq: 2, prevHash: first.hash, provider: 'embedded', model: 'extractive-v1', detail: '3 sentences' });
      const { hash, ...unsigned } = second;
      expect(computeAuditHash(unsigned)).toBe(hash);
    });

    it('lists one document in seq order', async () => {
      const log = await openLog(backend.fresh());
      await log.append(entry('doc-a', 'intake', { outcome: 'accepted' }));
      await log.append(entry('doc-b', 'intake', { outcome: 'accepted' }));
      await log.append(entry('doc-a', 'kurz', { outcome: 'retrying', detail: 'timeout' }));
      await log.append(entry('doc-a', 'writeback', { outcome: 'written-back' }));

      const trail = await log.forDocument('doc-a');
      expect(trail.map((r) => [r.seq, r.step, r.outcome])).toEqual([
        [1, 'intake', 'accepted'],
        [3, 'kurz', 'retrying'],
        [4, 'writeback', 'written-back'],
      ]);
      expect(trail[1]).toEqual(await log.forDocument('doc-a').then((again) => again[1]));
      expect(await log.forDocument('unknown')).toEqual([]);
    });

    it('keeps the chain across reopening and concurrent opens', async () => {
      const place = backend.fresh();
      // Several processes starting at once all run the migration.
      const [a, b, c] = await Promise.all([openLog(place), openLog(place), openLog(place)]);
      await a!.append(entry('doc-1', 'intake'));
      await a!.close();
      const reopened = await openLog(place);
      const next = await reopened.append(entry('doc-1', 'kurz'));
      expect(next.seq).toBe(2);
      expect((await b!.forDocument('doc-1')).map((r) => r.seq)).toEqual([1, 2]);
      expect(await c!.verify()).toEqual({ ok: true, checked: 2 });
    });

    it('verifies an empty and an intact log', async () => {
      const log = await openLog(backend.fresh());
      expect(await log.verify()).toEqual({ ok: true, checked: 0 });
      for (let i = 0; i < 5; i++) await log.append(entry(`doc-${i}`, 'kurz'));
      expect(await log.verify()).toEqual({ ok: true, checked: 5 });
    });

    it('detects a row whose detail was changed with SQL', async () => {
      const place = backend.fresh();
      const log = await openLog(place);
      for (let i = 1; i <= 4; i++) await log.append(entry('doc-1', `step-${i}`, { detail: 'ok' }));
      await place.exec(`update ${place.table} set detail = 'changed' where seq = 3`);
      expect(await log.verify()).toEqual({ ok: false, checked: 3, brokenAt: 3 });
    });

    it('detects a rewritten row whose own hash was recomputed', async () => {
      const place = backend.fresh();
      const log = await openLog(place);
      for (let i = 1; i <= 3; i++) await log.append(entry('doc-1', `step-${i}`));
      const [, second] = await log.forDocument('doc-1');
      const forged = { ...second!, outcome: 'refused' as const };
      const { hash: _old, ...unsigned } = forged;
      await place.exec(`update ${place.table} set outcome = 'refused', hash = '${computeAuditHash(unsigned)}' where seq = 2`);
      // Row 2 now checks out on its own; row 3 no longer points at it.
      expect(await log.verify()).toEqual({ ok: false, checked: 3, brokenAt: 3 });
    });

    it('detects a deleted row', async () => {
      const place = backend.fresh();
      const log = await openLog(place);
      for (let i = 1; i <= 4; i++) await log.append(entry('doc-1', `step-${i}`));
      await place.exec(`delete from ${place.table} where seq = 2`);
      expect(await log.verify()).toEqual({ ok: false, checked: 2, brokenAt: 3 });
    });

    it('stores only the known fields and caps detail', async () => {
      const log = await openLog(backend.fresh());
      const withBody = { ...entry('doc-1', 'kurz'), text: 'Sehr geehrte Frau Muster …', detail: 'x'.repeat(2000) } as AuditEntry;
      const record = await log.append(withBody);
      expect(record).not.toHaveProperty('text');
      expect(record.detail).toHaveLength(MAX_AUDIT_DETAIL_LENGTH);
      const [stored] = await log.forDocument('doc-1');
      expect(stored).toEqual(record);
      expect(await log.verify()).toEqual({ ok: true, checked: 1 });
    });

    it('refuses an invalid entry as permanent and writes nothing', async () => {
      const log = await openLog(backend.fresh());
      await expect(log.append({ ...entry('doc-1', 'kurz'), outcome: 'maybe' } as unknown as AuditEntry)).rejects.toBeInstanceOf(PermanentError);
      await expect(log.append(entry('', 'kurz'))).rejects.toBeInstanceOf(PermanentError);
      expect(await log.verify()).toEqual({ ok: true, checked: 0 });
    });

    it('keeps seq contiguous and the chain intact under concurrent appends from separate connections', async () => {
      const place = backend.fresh();
      const writers = await Promise.all([openLog(place), openLog(place), openLog(place)]);
      const perWriter = 20;
      const records = (
        await Promise.all(
          writers.map((log, w) => Promise.all(Array.from({ length: perWriter }, (_, i) => log.append(entry(`doc-${w}`, `step-${i}`))))),
        )
      ).flat();

      const seqs = records.map((r) => r.seq).sort((x, y) => x - y);
      expect(seqs).toEqual(Array.from({ length: writers.length * perWriter }, (_, i) => i + 1));
      expect(await writers[0]!.verify()).toEqual({ ok: true, checked: writers.length * perWriter });
      expect(await writers[2]!.forDocument('doc-1')).toHaveLength(perWriter);
    });

    it('waits for the write lock another connection holds', async () => {
      const place = backend.fresh();
      const log = await openLog(place);
      await log.append(entry('doc-1', 'intake'));
      const release = await place.holdWriteLock();
      let settled = false;
      // Settles to a value either way, so a failure is reported below, not as an unhandled rejection.
      const pending = log.append(entry('doc-1', 'kurz')).then(
        (record) => ((settled = true), record),
        (error: unknown) => ((settled = true), error),
      );
      try {
        await sleep(300);
        expect(settled).toBe(false);
      } finally {
        await release();
      }
      expect(await pending).toMatchObject({ seq: 2 });
    });

    it('reports a lock it cannot get in time as UnavailableError', async () => {
      const place = backend.fresh();
      const log = await openLog(place, 200);
      const release = await place.holdWriteLock();
      try {
        const error = await log.append(entry('doc-1', 'kurz')).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(UnavailableError);
        expect((error as Error).cause).toBeDefined();
      } finally {
        await release();
      }
      expect((await log.append(entry('doc-1', 'kurz'))).seq).toBe(1);
    });

    it('commits appends made together as a group, each with its own record in call order', async () => {
      const place = backend.fresh();
      const log = await openLog(place);
      const records = await Promise.all(Array.from({ length: 40 }, (_, i) => log.append(entry(`doc-${i % 4}`, `step-${i}`))));
      expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(records.map((r) => r.step)).toEqual(Array.from({ length: 40 }, (_, i) => `step-${i}`));
      records.slice(1).forEach((record, i) => expect(record.prevHash).toBe(records[i]!.hash));
      expect(await log.forDocument('doc-1')).toEqual(records.filter((r) => r.documentId === 'doc-1'));
      expect(await log.verify()).toEqual({ ok: true, checked: 40 });
    });

    it('fails every append of a group that cannot get the lock, and writes none of them', async () => {
      const place = backend.fresh();
      const log = await openLog(place, 200);
      const release = await place.holdWriteLock();
      try {
        const errors = await Promise.all([1, 2, 3].map((i) => log.append(entry('doc-1', `step-${i}`)).catch((e: unknown) => e)));
        for (const error of errors) expect(error).toBeInstanceOf(UnavailableError);
      } finally {
        await release();
      }
      expect(await log.verify()).toEqual({ ok: true, checked: 0 });
    });

    it('writes the appends made before close, and refuses those after', async () => {
      const place = backend.fresh();
      const log = await openLog(place);
      const pending = [1, 2, 3].map((i) => log.append(entry('doc-1', `step-${i}`)));
      const closing = log.close();
      await expect(log.append(entry('doc-1', 'late'))).rejects.toBeInstanceOf(UnavailableError);
      expect((await Promise.all(pending)).map((r) => r.seq)).toEqual([1, 2, 3]);
      await closing;
      expect(await (await openLog(place)).verify()).toEqual({ ok: true, checked: 3 });
    });

    it('fails as unavailable once closed, and closes twice without error', async () => {
      const log = await openLog(backend.fresh());
      await log.close();
      await log.close();
      await expect(log.append(entry('doc-1', 'kurz'))).rejects.toBeInstanceOf(UnavailableError);
      await expect(log.verify()).rejects.toBeInstanceOf(UnavailableError);
    });
  });
}

auditLogContract(sqliteBackend());
auditLogContract(postgresBackend());

describe('AuditLog.open', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'audit-open-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('puts a SQLite file in WAL mode, from a plain path too', async () => {
    const path = join(dir, 'plain', 'audit.db');
    const log = await AuditLog.open(path);
    await log.append(entry('doc-1', 'intake'));
    await log.close();
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.prepare('select count(*) as n from audit_log').get()).toEqual({ n: 1 });
    raw.close();
  });

  it('works in memory', async () => {
    const log = await AuditLog.open(':memory:');
    expect(log.dialect).toBe('sqlite');
    await log.append(entry('doc-1', 'intake'));
    expect(await log.verify()).toEqual({ ok: true, checked: 1 });
    await log.close();
  });

  it('reports an unreachable PostgreSQL as UnavailableError with the cause', async () => {
    const error = await AuditLog.open('postgres://postgres@127.0.0.1:1/test', { busyTimeoutMs: 1000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    // Node's errors come from another realm under Jest's VM, so check the shape, not the class.
    expect((error as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('reports an unusable SQLite path as UnavailableError with the cause', async () => {
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, 'x');
    const error = await AuditLog.open(`sqlite:${join(file, 'audit.db')}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).cause).toMatchObject({ code: expect.stringMatching(/^E/) });
    expect(readFileSync(file, 'utf8')).toBe('x');
  });

  it('refuses bad configuration as permanent', async () => {
    const error = await AuditLog.open('mysql://u:secret@h/db').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).not.toContain('secret');
    await expect(AuditLog.open(':memory:', { table: 'x; drop table y' })).rejects.toBeInstanceOf(PermanentError);
    await expect(AuditLog.open(':memory:', { busyTimeoutMs: -1 })).rejects.toBeInstanceOf(PermanentError);
  });
});
