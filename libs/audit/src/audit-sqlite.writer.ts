import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AuditEntry, AuditRecord } from './audit.types.js';

export interface SqliteWriterSettings {
  path: string;
  table: string;
  busyTimeoutMs: number;
}

export interface SqliteWriterJob {
  id: number;
  entries: AuditEntry[];
}

export type SqliteWriterMessage = { id: number; records: AuditRecord[] } | { id: number; error: { message: string; code?: string } };

const DEFAULT_WORKER_FILE = new URL('./audit-sqlite.worker.js', import.meta.url);

/**
 * Appends to a SQLite audit file on a thread of its own. better-sqlite3 is synchronous: on the event loop's
 * thread every commit would stop request handling for the fsync of the write-ahead log (about 0.1 ms per
 * group on the test machines, the largest single wait of an accepted SOAP request). The writer thread keeps
 * the same durability (a commit is answered after its fsync) and the same locking (BEGIN IMMEDIATE, busy
 * timeout), and answers each group with its records.
 */
export class SqliteAuditWriter {
  private readonly pending = new Map<number, { resolve: (records: AuditRecord[]) => void; reject: (error: unknown) => void }>();
  private nextId = 1;
  private stopped?: string;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (message: SqliteWriterMessage) => this.onMessage(message));
    worker.on('error', (error) => this.stop(error.message));
    worker.on('exit', (code) => this.stop(`exit code ${code}`));
  }

  /**
   * A writer thread for the file, or undefined where there is no built worker module (running from the
   * TypeScript sources): the caller then appends in-process.
   */
  static start(settings: SqliteWriterSettings, workerFile: string | URL = DEFAULT_WORKER_FILE): SqliteAuditWriter | undefined {
    const file = workerFile instanceof URL ? fileURLToPath(workerFile) : workerFile;
    if (!existsSync(file)) return undefined;
    const worker = new Worker(file, { workerData: settings });
    // Idle, the thread must not keep a finished process alive (a forgotten close); while a group is on it, it must.
    worker.unref();
    return new SqliteAuditWriter(worker);
  }

  /** False once the thread has stopped; appends then fail and the caller should write in-process. */
  get alive(): boolean {
    return this.stopped === undefined;
  }

  append(entries: AuditEntry[]): Promise<AuditRecord[]> {
    if (this.stopped !== undefined) return Promise.reject(new Error(`the audit writer thread stopped (${this.stopped})`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, entries } satisfies SqliteWriterJob);
    });
  }

  /** Ends the thread; the caller waits for the groups it sent first (AuditLog.close does). */
  async close(): Promise<void> {
    this.stopped ??= 'closed';
    await this.worker.terminate();
  }

  private onMessage(message: SqliteWriterMessage): void {
    const waiting = this.pending.get(message.id);
    if (!waiting) return;
    this.pending.delete(message.id);
    if (this.pending.size === 0) this.worker.unref();
    if ('records' in message) waiting.resolve(message.records);
    else waiting.reject(Object.assign(new Error(message.error.message), message.error.code ? { code: message.error.code } : {}));
  }

  private stop(why: string): void {
    if (this.stopped !== undefined) return;
    this.stopped = why;
    // A group the thread had may or may not be committed: its appenders hear of the failure (the caller answers 503 and is sent again).
    for (const [, waiting] of this.pending) waiting.reject(new Error(`the audit writer thread stopped (${why})`));
    this.pending.clear();
  }
}
