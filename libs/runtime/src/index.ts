export * from './bootstrap.js';
export * from './loopback.guard.js';
export * from './runtime.module.js';
export * from './health.controller.js';
export * from './contracts.locator.js';
export * from './connector-context.factory.js';
