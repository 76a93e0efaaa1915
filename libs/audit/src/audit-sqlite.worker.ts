import { parentPort, workerData } from 'node:worker_threads';
import { SqliteAuditAppender } from './audit-sqlite.appender.js';
import type { SqliteWriterJob, SqliteWriterMessage, SqliteWriterSettings } from './audit-sqlite.writer.js';
import { openSqliteAuditFile } from './audit.database.js';

/*
 * The audit writer thread (see SqliteAuditWriter): its own connection to the SQLite file, appending group
 * after group. Waiting for the write lock and for the commit's fsync blocks this thread, not the event loop
 * that serves requests. Runs only as built JS.
 */
const port = parentPort;
if (!port) throw new Error('audit-sqlite.worker.js runs only as a worker thread');
const settings = workerData as SqliteWriterSettings;
const appender = new SqliteAuditAppender(openSqliteAuditFile(settings.path, settings.busyTimeoutMs), settings.table, settings.busyTimeoutMs);

port.on('message', (job: SqliteWriterJob) => {
  let message: SqliteWriterMessage;
  try {
    message = { id: job.id, records: appender.append(job.entries) };
  } catch (error) {
    const e = error as { message?: unknown; code?: unknown };
    message = { id: job.id, error: { message: String(e?.message ?? error), ...(typeof e?.code === 'string' ? { code: e.code } : {}) } };
  }
  port.postMessage(message);
});
