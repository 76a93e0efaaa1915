import { bootstrap } from '@app/runtime';
import { aiWorkerApp } from './ai-worker.module.js';

await bootstrap('ai-worker', [aiWorkerApp]);
