import { parentPort } from 'node:worker_threads';
import { serialiseXmlWorkerError, type XmlWorkerJob, type XmlWorkerMessage } from './xml-intake.protocol.js';
import { readXmlForIntake } from './xml-intake.reader.js';

/*
 * The entry of an XML worker thread (see XmlIntakePool): reads documents for intake off the main thread.
 * Compiled schemas are cached by the schema loader, i.e. once per worker. Runs only as built JS.
 */
const port = parentPort;
if (!port) throw new Error('xml-intake.worker.js runs only as a worker thread');

port.on('message', (job: XmlWorkerJob) => {
  readXmlForIntake(job.body, job.options).then(
    (result) => port.postMessage({ id: job.id, result } satisfies XmlWorkerMessage),
    (error: unknown) => port.postMessage({ id: job.id, error: serialiseXmlWorkerError(error) } satisfies XmlWorkerMessage),
  );
});
port.postMessage({ ready: true } satisfies XmlWorkerMessage);
