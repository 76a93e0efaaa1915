import { bootstrap } from '@app/runtime';
import { aiWorkerApp } from '../../ai-worker/src/ai-worker.module.js';
import { gatewayApp } from '../../gateway/src/gateway.module.js';
import { writebackApp } from '../../writeback/src/writeback.module.js';

// The embedded default: all three apps in one process, sharing one runtime.
await bootstrap('(gateway, ai-worker, writeback)', [gatewayApp, aiWorkerApp, writebackApp]);
