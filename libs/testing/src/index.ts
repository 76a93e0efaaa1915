export * from './legacy-soap.stand-in.js';
export * from './test-config.js';
