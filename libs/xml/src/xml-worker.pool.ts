import { existsSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { UnavailableError } from '@app/contracts';
import { XML_INTAKE_TASK, XML_INTAKE_TASKS, type XmlIntakeOptions, type XmlIntakeResult } from './xml-intake.reader.js';
import { reviveXmlWorkerError, type XmlWorkerJob, type XmlWorkerMessage, type XmlWorkerPayload, type XmlWorkerTasks } from './xml-worker.protocol.js';

export interface XmlWorkerPoolOptions {
  /** Worker threads; 0 runs every task in-process. */
  size: number;
  /**
   * The worker's module, a built JS file that serves `tasks` (serveXmlWorkerTasks). Default:
   * `xml-intake.worker.js` beside this module, which serves the intake task. Such files exist only in the
   * build (dist/); run from the TypeScript sources (Jest, ts tooling) there are none, and the pool runs its
   * tasks in-process instead (`mode` says which, `reason` why).
   */
  workerFile?: string | URL;
  /** The tasks the worker file serves, run in-process where there is no worker. Default: the intake task. */
  tasks?: XmlWorkerTasks;
  /**
   * How long a worker may take over one document (from when it starts on it) before it is ended and replaced;
   * the document is refused with UnavailableError. Default 30 s.
   */
  timeoutMs?: number;
  /** Told about crashed, stuck or unstartable workers (the pool copes with all of them by itself). */
  onProblem?: (message: string) => void;
}

const DEFAULT_TIMEOUT_MS = 30_000;

interface Pending {
  task: string;
  payload: XmlWorkerPayload;
  resolve: (result: any) => void;
  reject: (error: unknown) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  /** Jobs sent and not answered, oldest first; the worker reads them one after the other in this order. */
  jobs: Array<{ id: number; pending: Pending }>;
  failure?: Error;
  /** The deadline of the job the worker is on (the oldest), and that job's id. */
  timer?: NodeJS.Timeout;
  timedJob?: number;
}

/**
 * Jobs a worker holds at once. More than one, so it need not wait for the busy main thread to take an answer
 * and send the next job; few, so a crash puts little back into the queue.
 */
const JOBS_PER_WORKER = 2;

const DEFAULT_WORKER_FILE = new URL('./xml-intake.worker.js', import.meta.url);

/**
 * Runs the XML work of a request (reading a document for intake, checking a SOAP envelope) on worker
 * threads, so the main thread keeps serving HTTP, Redis and the audit log while another core parses and
 * validates. Results and errors are the ones the same task gives in-process. A worker gets a couple of
 * jobs at a time, the rest wait here in order. A
 * worker that dies takes only the job it was running with it (answered with UnavailableError, the sender
 * may retry): the ones it had not started go to its replacement. A worker that takes longer than the
 * deadline over one document is treated the same way: ended, replaced, that document refused. A worker that
 * dies before it started, and a closed pool, read in-process.
 */
export class XmlWorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private readonly file: string | undefined;
  private nextId = 1;
  private closed = false;
  private fallback: string | undefined;
  private readonly timeoutMs: number;
  private readonly tasks: XmlWorkerTasks;

  constructor(private readonly options: XmlWorkerPoolOptions) {
    if (!Number.isSafeInteger(options.size) || options.size < 0) throw new RangeError(`XML worker pool size must be a whole number from 0, got ${options.size}`);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.tasks = options.tasks ?? XML_INTAKE_TASKS;
    if (!Number.isSafeInteger(this.timeoutMs) || this.timeoutMs < 1) throw new RangeError(`XML worker timeout must be a whole number of milliseconds from 1, got ${options.timeoutMs}`);
    const file = options.workerFile ?? DEFAULT_WORKER_FILE;
    const filePath = file instanceof URL ? fileURLToPath(file) : file;
    if (options.size === 0) this.fallback = 'XML_WORKERS is 0';
    else if (!existsSync(filePath)) this.fallback = `no worker module at ${filePath} (not running from the build)`;
    else {
      // Worker wants an absolute path (or ./-relative); a configured one is taken relative to the working directory.
      this.file = resolvePath(filePath);
      for (let i = 0; i < options.size; i++) this.slots.push(this.spawn());
    }
  }

  /** 'workers' while documents go to worker threads; 'in-process' otherwise (see reason). */
  get mode(): 'workers' | 'in-process' {
    return this.fallback === undefined && !this.closed ? 'workers' : 'in-process';
  }

  get reason(): string | undefined {
    return this.closed ? 'the pool is closed' : this.fallback;
  }

  /** Live worker threads (replacements included). */
  get size(): number {
    return this.slots.length;
  }

  /** readXmlForIntake, on a worker when there is one. The body is copied once for the worker; the caller keeps its own. */
  read(body: Uint8Array, options: XmlIntakeOptions): Promise<XmlIntakeResult> {
    const payload = { body, options };
    return this.run(XML_INTAKE_TASK, payload);
  }

  /**
   * One of the pool's tasks, on a worker when there is one. The payload's body is copied once for the
   * worker (the caller keeps its own); the rest of the payload is cloned.
   */
  run<Result>(task: string, payload: XmlWorkerPayload): Promise<Result> {
    if (!Object.hasOwn(this.tasks, task)) return Promise.reject(new Error(`the XML worker pool has no task "${task}" (it has: ${Object.keys(this.tasks).join(', ')})`));
    if (this.mode === 'in-process') return this.inProcess(task, payload) as Promise<Result>;
    return new Promise((resolve, reject) => {
      this.queue.push({ task, payload, resolve, reject });
      this.dispatch();
    });
  }

  /** Ends the workers; jobs still waiting are read in-process, and so is everything after. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const slots = this.slots.splice(0);
    for (const slot of slots) {
      clearTimeout(slot.timer);
      for (const job of slot.jobs.splice(0)) this.runInProcess(job.pending);
    }
    this.drainInProcess();
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private spawn(): Slot {
    const worker = new Worker(this.file!);
    // The pool must not keep a process alive that is otherwise done (a forgotten close, a test).
    worker.unref();
    const slot: Slot = { worker, ready: false, jobs: [] };
    worker.on('message', (message: XmlWorkerMessage) => this.onMessage(slot, message));
    worker.on('error', (error) => (slot.failure = error));
    worker.on('messageerror', (error) => (slot.failure = error));
    worker.on('exit', (code) => this.onExit(slot, code));
    return slot;
  }

  private dispatch(): void {
    // Fill the emptiest worker first, so a second worker gets work before the first gets its second job.
    while (this.queue.length > 0) {
      let slot: Slot | undefined;
      for (const candidate of this.slots) if (candidate.jobs.length < JOBS_PER_WORKER && (!slot || candidate.jobs.length < slot.jobs.length)) slot = candidate;
      if (!slot) return;
      const pending = this.queue.shift()!;
      const id = this.nextId++;
      slot.jobs.push({ id, pending });
      // A copy of exactly the document's bytes, transferred: cloning the caller's Buffer would copy its
      // whole backing store (often Node's shared 8 KiB pool), and the caller still needs its body.
      const body = new Uint8Array(pending.payload.body.byteLength);
      body.set(pending.payload.body);
      slot.worker.postMessage({ id, task: pending.task, payload: { ...pending.payload, body } } satisfies XmlWorkerJob, [body.buffer]);
      this.arm(slot);
    }
  }

  /** Starts the deadline of the job the worker is now on, when that changed. */
  private arm(slot: Slot): void {
    const head = slot.jobs[0]?.id;
    if (head === slot.timedJob) return;
    clearTimeout(slot.timer);
    slot.timedJob = head;
    slot.timer = undefined;
    if (head === undefined) return;
    slot.timer = setTimeout(() => this.onTimeout(slot), this.timeoutMs);
    // A pending deadline must not keep a finished process alive either.
    slot.timer.unref();
  }

  private onTimeout(slot: Slot): void {
    if (this.closed || !this.slots.includes(slot)) return;
    // Handled now, not when the thread has ended: an answer that still comes is ignored, and the jobs it had
    // not begun must not wait for the termination.
    this.lose(slot, `no answer within ${this.timeoutMs} ms`);
    void slot.worker.terminate();
  }

  private onMessage(slot: Slot, message: XmlWorkerMessage): void {
    if ('ready' in message) {
      slot.ready = true;
      return;
    }
    const index = slot.jobs.findIndex((job) => job.id === message.id);
    if (index === -1) return;
    const [job] = slot.jobs.splice(index, 1) as [{ id: number; pending: Pending }];
    this.arm(slot);
    if ('result' in message) job.pending.resolve(message.result);
    else job.pending.reject(reviveXmlWorkerError(message.error));
    this.dispatch();
  }

  private onExit(slot: Slot, code: number): void {
    if (this.closed || !this.slots.includes(slot)) return;
    this.lose(slot, slot.failure ? slot.failure.message : `exit code ${code}`);
  }

  /** A worker is gone (ended, or stuck and about to be ended): settle its jobs and replace it if it had started. */
  private lose(slot: Slot, why: string): void {
    const index = this.slots.indexOf(slot);
    clearTimeout(slot.timer);
    slot.timer = undefined;
    const jobs = slot.jobs.splice(0);
    if (!slot.ready) {
      // It never started (a broken build, no memory): replacing it would fail the same way, in a loop.
      this.slots.splice(index, 1);
      this.options.onProblem?.(`XML worker could not start (${why}); documents are read in-process`);
      for (const job of jobs) this.runInProcess(job.pending);
      if (this.slots.length === 0) {
        this.fallback = `the XML worker could not start (${why})`;
        this.drainInProcess();
      } else this.dispatch();
      return;
    }
    this.options.onProblem?.(`XML worker stopped (${why}); replaced`);
    // It was reading the oldest; the others it had not begun wait for the replacement, first in line.
    const [running, ...waiting] = jobs;
    running?.pending.reject(new UnavailableError(`the XML worker stopped while reading the document (${why}); send it again`));
    this.queue.unshift(...waiting.map((job) => job.pending));
    this.slots[index] = this.spawn();
    this.dispatch();
  }

  private runInProcess(pending: Pending): void {
    this.inProcess(pending.task, pending.payload).then(pending.resolve, pending.reject);
  }

  private inProcess(task: string, payload: XmlWorkerPayload): Promise<unknown> {
    return new Promise((resolve) => resolve(this.tasks[task]!(payload)));
  }

  private drainInProcess(): void {
    for (const pending of this.queue.splice(0)) this.runInProcess(pending);
  }
}
