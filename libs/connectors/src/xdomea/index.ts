export { xdomeaConnector, xdomeaOptionsSchema, type XdomeaOptions } from './xdomea.connector.js';
export { readXdomeaMessage, looksLikeZip, type XdomeaMessage, type PrimaryDocumentReference } from './xdomea-message.reader.js';
export { readZipContainer, type ZipEntryData, type ZipLimits } from './zip-container.reader.js';
export { writeZip, type ZipWriteEntry } from './zip-archive.writer.js';
export { ANBIETEVERZEICHNIS, BEWERTUNGSVERZEICHNIS, type Aussonderungsart } from './bewertungsverzeichnis.renderer.js';
