export * from './legacy-soap.stand-in.js';
