export * from './document-events.publisher.js';
export * from './pipeline-job.schema.js';
export * from './pipeline.service.js';
export * from './pipeline.processor.js';
export * from './pipeline.module.js';
export * from './ai-usage.store.js';
