import { bootstrap } from '@app/runtime';
import { writebackApp } from './writeback.module.js';

await bootstrap('writeback', [writebackApp]);
