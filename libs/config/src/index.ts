export * from './app.config.js';
export * from './app-config.schema.js';
export * from './config.loader.js';
export * from './routes.registry.js';
export * from './config.module.js';
export * from './security.config.js';
