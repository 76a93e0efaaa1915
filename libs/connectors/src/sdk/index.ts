export * from './connector.definition.js';
export * from './connector.registry.js';
export * from './connector.context.js';
