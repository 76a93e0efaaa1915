export * from './legacy-soap.stand-in.js';
export * from './test-config.js';
export * from './chat-completions.stand-in.js';
export * from './input-error.expect.js';
export * from './xta2.stand-in.js';
export * from './test-certificates.js';
