export * from './folder-inbox.consumer.js';
export * from './folder-outbox.producer.js';
export * from './result-xml.renderer.js';
export * from './writeback-mapping.resolver.js';
export { assertSafeFilename, isIgnoredName } from './filename.guard.js';
export * from './xrechnung/index.js';
export * from './sdk/index.js';
