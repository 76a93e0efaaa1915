import { XML_INTAKE_TASKS } from '@app/xml';
import { SOAP_ENVELOPE_TASKS } from './soap-envelope.reader.js';

/**
 * An XML worker pool for a SOAP gateway: one pool, so that one set of threads reads both the envelopes
 * and the documents they carry (in one job where readEnvelopeWithDocument is asked to). Give both to XmlWorkerPool (`workerFile`, `tasks`).
 */
export const SOAP_XML_WORKER_TASKS = { ...XML_INTAKE_TASKS, ...SOAP_ENVELOPE_TASKS } as const;

/** The built worker module serving SOAP_XML_WORKER_TASKS (absent when running from the TypeScript sources). */
export const SOAP_XML_WORKER_FILE = new URL('./soap-xml.worker.js', import.meta.url);
