import { XML_INTAKE_TASKS } from './xml-intake.reader.js';
import { serveXmlWorkerTasks } from './xml-worker.server.js';

/*
 * The default entry of an XML worker thread (see XmlWorkerPool): reads documents for intake off the main
 * thread. Compiled schemas are cached by the schema loader, i.e. once per worker. Runs only as built JS.
 */
serveXmlWorkerTasks(XML_INTAKE_TASKS);
