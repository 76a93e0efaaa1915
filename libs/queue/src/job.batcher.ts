import type { JobsOptions, Queue } from 'bullmq';

interface PendingAdd {
  name: string;
  data: unknown;
  opts: JobsOptions;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Adds jobs to one queue in batches: every add made in the same turn of the event loop goes to Redis in one
 * Queue.addBulk (one MULTI, one round trip) once that turn's callbacks have run. Requests that become ready
 * together (an audit group commit resolves them all at once) so share one write and one reply. Each add
 * resolves when its batch is in; a batch that fails rejects every add in it, with the same error. Job
 * options are the queue's defaults merged with the add's, as with Queue.add.
 */
export class JobBatcher {
  private pending: PendingAdd[] = [];

  constructor(private readonly queue: Pick<Queue, 'addBulk'>) {}

  add(name: string, data: unknown, opts: JobsOptions): Promise<void> {
    return new Promise((resolve, reject) => {
      // The first add of a turn schedules the flush; those made before it runs join the batch.
      if (this.pending.length === 0) process.nextTick(() => this.flush());
      this.pending.push({ name, data, opts, resolve, reject });
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    this.queue.addBulk(batch.map(({ name, data, opts }) => ({ name, data, opts }))).then(
      () => batch.forEach((add) => add.resolve()),
      (error: unknown) => batch.forEach((add) => add.reject(error)),
    );
  }
}
