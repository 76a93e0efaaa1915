export * from './document-id.js';
export * from './document.store.js';
export * from './documents.module.js';
