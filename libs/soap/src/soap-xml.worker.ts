import { serveXmlWorkerTasks } from '@app/xml';
import { SOAP_XML_WORKER_TASKS } from './soap-xml.tasks.js';

/* The entry of an XML worker thread for a SOAP gateway (see SOAP_XML_WORKER_FILE). Runs only as built JS. */
serveXmlWorkerTasks(SOAP_XML_WORKER_TASKS);
