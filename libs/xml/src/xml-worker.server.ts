import { parentPort } from 'node:worker_threads';
import { serialiseXmlWorkerError, type XmlWorkerJob, type XmlWorkerMessage, type XmlWorkerTasks } from './xml-worker.protocol.js';

/**
 * Makes the calling module the entry of an XML worker thread (see XmlWorkerPool) that runs the given
 * tasks: one answer per job, in the order the jobs finish, and `ready` once it listens. A task the
 * worker does not know is answered with an error, so a pool and a worker file that do not fit show it.
 */
export function serveXmlWorkerTasks(tasks: XmlWorkerTasks): void {
  const port = parentPort;
  if (!port) throw new Error('an XML worker module runs only as a worker thread');
  port.on('message', (job: XmlWorkerJob) => {
    const task = Object.hasOwn(tasks, job.task) ? tasks[job.task] : undefined;
    new Promise((resolve) => {
      if (!task) throw new Error(`this XML worker has no task "${job.task}" (it has: ${Object.keys(tasks).join(', ')})`);
      resolve(task(job.payload));
    }).then(
      (result) => port.postMessage({ id: job.id, result } satisfies XmlWorkerMessage),
      (error: unknown) => port.postMessage({ id: job.id, error: serialiseXmlWorkerError(error) } satisfies XmlWorkerMessage),
    );
  });
  port.postMessage({ ready: true } satisfies XmlWorkerMessage);
}
