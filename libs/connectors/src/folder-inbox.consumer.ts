import { access, mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { isRetryable, PermanentError } from '@app/contracts';
import { isIgnoredName } from './filename.guard.js';

export interface InboxFile {
  routeId: string;
  filename: string;
  content: Buffer;
  receivedAt: Date;
}

export type InboxEventType = 'taken' | 'processed' | 'failed' | 'requeued';

export interface InboxEvent {
  type: InboxEventType;
  routeId: string;
  filename: string;
  reason?: string;
}

export interface FolderInboxOptions {
  /** Holds one folder per route, e.g. `var/inbox`. */
  root: string;
  routes: string[];
  /** Pause between the end of one scan and the start of the next. */
  pollIntervalMs?: number;
  /** A file is taken only after its size and mtime stayed the same for this long, over two scans. */
  stableForMs?: number;
  handler: (file: InboxFile) => Promise<void>;
  onEvent?: (event: InboxEvent) => void;
  /** Failures of the inbox itself (a folder that cannot be read or moved into); the next scan tries again. */
  onError?: (error: unknown) => void;
}

interface Seen {
  size: number;
  mtimeMs: number;
  /** Monotonic time the file was first seen with this size and mtime. */
  since: number;
}

const WORK_DIR = '.work';
const PROCESSED_DIR = 'processed';
const FAILED_DIR = 'failed';

/**
 * Takes files from drop folders `<root>/<route>/`: once a file has stopped changing it is renamed
 * into the private `.work/` folder (atomic, so of two processes polling one folder only one gets
 * it), handed to the handler, and then moved to `processed/`, to `failed/` with a reason file
 * (permanent errors), or back to the drop folder to be tried again (anything else).
 */
export class FolderInbox {
  private readonly pollIntervalMs: number;
  private readonly stableForMs: number;
  private readonly seen = new Map<string, Seen>();
  /** Scans run one after the other, never side by side, so no file is looked at twice at once. */
  private scanChain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private starting: Promise<void> | undefined;
  private stopRequested = false;
  private foldersReady: Promise<void> | undefined;

  constructor(private readonly options: FolderInboxOptions) {
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.stableForMs = options.stableForMs ?? 500;
    if (options.routes.length === 0) throw new PermanentError('the folder inbox needs at least one route', 'inbox-config');
    for (const route of options.routes) {
      if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(route)) throw new PermanentError(`route id ${JSON.stringify(route)} is not a plain id`, 'inbox-config');
    }
  }

  /** Creates the folders, returns what a crash left in `.work/`, and starts polling. */
  start(): Promise<void> {
    if (!this.starting) {
      this.stopRequested = false;
      this.starting = this.prepare();
    }
    return this.starting;
  }

  /** Stops polling and waits for the file in hand; leaves no timer behind. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    await this.starting?.catch(() => undefined);
    this.starting = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.scanChain;
  }

  /** One pass over all route folders; waits for a scan already running rather than running beside it. */
  scanOnce(): Promise<void> {
    const run = this.scanChain.then(() => this.scan());
    this.scanChain = run.catch(() => undefined);
    return run;
  }

  private async prepare(): Promise<void> {
    await this.ensureFolders();
    for (const routeId of this.options.routes) await this.recoverWork(routeId);
    this.schedule();
  }

  /** The next scan starts a poll interval after the last one ended; never more than one timer. */
  private schedule(): void {
    if (this.timer || this.stopRequested) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.scanOnce()
        .catch((error: unknown) => this.options.onError?.(error))
        .finally(() => this.schedule());
    }, this.pollIntervalMs);
  }

  private ensureFolders(): Promise<void> {
    this.foldersReady ??= (async () => {
      for (const routeId of this.options.routes) {
        for (const sub of [WORK_DIR, PROCESSED_DIR, FAILED_DIR]) await mkdir(join(this.options.root, routeId, sub), { recursive: true });
      }
    })().catch((error: unknown) => {
      this.foldersReady = undefined;
      throw error;
    });
    return this.foldersReady;
  }

  private async recoverWork(routeId: string): Promise<void> {
    const workDir = join(this.options.root, routeId, WORK_DIR);
    for (const entry of await readdir(workDir, { withFileTypes: true })) {
      if (!entry.isFile()) continue;
      try {
        const target = await freeName(join(this.options.root, routeId), entry.name);
        await rename(join(workDir, entry.name), target);
        this.emit({ type: 'requeued', routeId, filename: entry.name, reason: 'left in the work folder by an earlier run' });
      } catch (error) {
        if (!isNotFound(error)) this.options.onError?.(error);
      }
    }
  }

  private async scan(): Promise<void> {
    await this.ensureFolders();
    const errors: unknown[] = [];
    for (const routeId of this.options.routes) {
      if (this.stopRequested) break;
      try {
        await this.scanRoute(routeId);
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, 'scanning the folder inbox failed');
  }

  private async scanRoute(routeId: string): Promise<void> {
    const dropDir = join(this.options.root, routeId);
    const entries = await readdir(dropDir, { withFileTypes: true });
    const present = new Set<string>();
    const ready: string[] = [];
    const now = performance.now();
    for (const entry of entries) {
      // Only regular files: no directories (our own sub folders) and no symlinks pointing elsewhere.
      if (!entry.isFile() || isIgnoredName(entry.name)) continue;
      const key = `${routeId}/${entry.name}`;
      let info;
      try {
        info = await stat(join(dropDir, entry.name));
      } catch (error) {
        if (isNotFound(error)) continue;
        throw error;
      }
      present.add(key);
      const before = this.seen.get(key);
      if (!before || before.size !== info.size || before.mtimeMs !== info.mtimeMs) {
        this.seen.set(key, { size: info.size, mtimeMs: info.mtimeMs, since: now });
      } else if (now - before.since >= this.stableForMs) {
        ready.push(entry.name);
      }
    }
    for (const key of this.seen.keys()) {
      if (key.startsWith(`${routeId}/`) && !present.has(key)) this.seen.delete(key);
    }
    for (const name of ready.sort()) {
      if (this.stopRequested) return;
      this.seen.delete(`${routeId}/${name}`);
      await this.take(routeId, name);
    }
  }

  private async take(routeId: string, filename: string): Promise<void> {
    const routeDir = join(this.options.root, routeId);
    const workPath = join(routeDir, WORK_DIR, filename);
    try {
      await rename(join(routeDir, filename), workPath);
    } catch (error) {
      // Another process polling the same folder took it first, or the writer removed it.
      if (isNotFound(error)) return;
      throw error;
    }
    this.emit({ type: 'taken', routeId, filename });

    let outcome: { ok: true } | { ok: false; error: unknown };
    try {
      const content = await readFile(workPath);
      await this.options.handler({ routeId, filename, content, receivedAt: new Date() });
      outcome = { ok: true };
    } catch (error) {
      outcome = { ok: false, error };
    }

    if (outcome.ok) {
      await rename(workPath, await freeName(join(routeDir, PROCESSED_DIR), filename));
      this.emit({ type: 'processed', routeId, filename });
    } else if (!isRetryable(outcome.error)) {
      const failedPath = await freeName(join(routeDir, FAILED_DIR), filename);
      await rename(workPath, failedPath);
      await writeFile(`${failedPath}.reason.txt`, reasonText(outcome.error), 'utf8');
      this.emit({ type: 'failed', routeId, filename, reason: describe(outcome.error) });
    } else {
      // Back to the drop folder: it has to look stable again, which spaces out the retries.
      await rename(workPath, await freeName(routeDir, filename));
      this.emit({ type: 'requeued', routeId, filename, reason: describe(outcome.error) });
    }
  }

  private emit(event: InboxEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch (error) {
      // A listener's failure must not leave a file stranded in `.work/`.
      this.options.onError?.(error);
    }
  }
}

/**
 * The path for `name` in `dir`, prefixed with a timestamp when that name is taken, so an earlier
 * file of the same name is never overwritten. (Checked, then renamed: a name taken in between by
 * another process would be replaced; within the inbox's own folders that is very unlikely.)
 */
async function freeName(dir: string, name: string): Promise<string> {
  const plain = join(dir, name);
  if (!(await exists(plain))) return plain;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  for (let n = 0; ; n++) {
    const candidate = join(dir, n === 0 ? `${stamp}_${name}` : `${stamp}-${n}_${name}`);
    if (!(await exists(candidate))) return candidate;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

function errorCode(error: unknown): string {
  if (error instanceof PermanentError) return error.code;
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : 'error';
}

function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/[\r\n]+/g, ' ').trim();
}

function describe(error: unknown): string {
  return `${errorCode(error)}: ${errorMessage(error)}`;
}

/** Time, code and message only: a stack trace would show internals to whoever reads the share. */
function reasonText(error: unknown): string {
  return `time: ${new Date().toISOString()}\ncode: ${errorCode(error)}\nmessage: ${errorMessage(error)}\n`;
}
