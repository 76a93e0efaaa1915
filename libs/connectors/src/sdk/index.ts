export * from './connector.definition.js';
