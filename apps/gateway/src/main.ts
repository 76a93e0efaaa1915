import { bootstrap } from '@app/runtime';
import { gatewayApp } from './gateway.module.js';

await bootstrap('gateway', [gatewayApp]);
