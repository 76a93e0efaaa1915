export * from './queue.names.js';
export * from './job.options.js';
export * from './job.batcher.js';
export * from './redis.connection.js';
export * from './redis.bootstrap.js';
export * from './queue.module.js';
