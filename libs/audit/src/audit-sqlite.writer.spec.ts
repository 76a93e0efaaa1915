import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SqliteAuditWriter } from './audit-sqlite.writer.js';
import { openSqliteAuditFile } from './audit.database.js';
import { AuditLog } from './audit.log.js';
import type { AuditEntry } from './audit.types.js';

// Jest runs the TypeScript sources, which cannot start as a worker: the writer thread is tested with the build.
const BUILT_WORKER = path.resolve(process.cwd(), 'dist/libs/audit/src/audit-sqlite.worker.js');
const entry = (documentId: string): AuditEntry => ({ documentId, routeId: 'akten', step: 'intake', outcome: 'accepted' });

describe('SqliteAuditWriter (built writer thread)', () => {
  let dir: string;
  let file: string;
  const writers: SqliteAuditWriter[] = [];
  const start = (busyTimeoutMs = 5000) => {
    const writer = SqliteAuditWriter.start({ path: file, table: 'audit_log', busyTimeoutMs }, BUILT_WORKER)!;
    writers.push(writer);
    return writer;
  };

  beforeAll(async () => {
    expect(existsSync(BUILT_WORKER)).toBe(true);
    dir = mkdtempSync(path.join(tmpdir(), 'audit-writer-'));
    file = path.join(dir, 'audit.sqlite');
    // Opening the log creates the table the writers append to.
    await (await AuditLog.open(`sqlite:${file}`, { writerThread: false })).close();
  });

  afterAll(async () => {
    for (const writer of writers) await writer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('needs a built worker module, and says so by giving none', () => {
    expect(SqliteAuditWriter.start({ path: ':memory:', table: 'audit_log', busyTimeoutMs: 10 }, path.join(dir, 'nowhere.js'))).toBeUndefined();
  });

  it('appends groups from two threads and this one into one unbroken chain', async () => {
    const [a, b] = [start(), start()];
    const inProcess = await AuditLog.open(`sqlite:${file}`, { writerThread: false });
    const groups = await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).append([entry(`d${i}-1`), entry(`d${i}-2`)])),
      ...Array.from({ length: 10 }, (_, i) => inProcess.append(entry(`p${i}`)).then((record) => [record])),
    ]);
    const seqs = groups.flat().map((record) => record.seq).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => seqs[0]! + i));
    // Each group's records are consecutive and in the order given.
    for (const group of groups) expect(group.map((r) => r.seq)).toEqual(group.map((_, i) => group[0]!.seq + i));
    expect(await inProcess.verify()).toEqual({ ok: true, checked: seqs.at(-1) });
    expect((await inProcess.forDocument('d3-2'))[0]).toMatchObject({ step: 'intake', outcome: 'accepted', routeId: 'akten' });
    await inProcess.close();
  });

  it('waits for a lock another connection holds, and fails with SQLITE_BUSY once its timeout has passed', async () => {
    const writer = start(300);
    const other = openSqliteAuditFile(file, 0);
    other.prepare('begin immediate').run();
    const started = Date.now();
    await expect(writer.append([entry('busy')])).rejects.toMatchObject({ code: expect.stringMatching(/^SQLITE_BUSY/) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    // Released in time, the next group goes in.
    const later = writer.append([entry('after')]);
    setTimeout(() => other.prepare('commit').run(), 100);
    await expect(later).resolves.toEqual([expect.objectContaining({ documentId: 'after' })]);
    other.close();
  });

  it('refuses appends once its thread has stopped', async () => {
    const writer = start();
    await writer.close();
    expect(writer.alive).toBe(false);
    await expect(writer.append([entry('late')])).rejects.toThrow('the audit writer thread stopped (closed)');
  });
});
