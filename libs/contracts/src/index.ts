export * from './document.types.js';
export * from './ai-label.types.js';
export * from './step-result.types.js';
export * from './route-config.schema.js';
export * from './events.js';
export * from './jobs.types.js';
export * from './errors.js';
export * from './identifiers.js';
