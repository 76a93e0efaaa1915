// The middleware's own cost per AI call: a local chat-completions server that answers at once (the
// stand-in from libs/testing) called directly, with the `openai` SDK and with plain fetch, against the same
// call through AiService + OpenAiCompatibleProvider (prompt template, policy, structured-output request,
// answer validation, AI label), all in this run. The direct calls send the very request body the provider
// sent (recorded by the stand-in), so both sides put the same bytes on the wire.
// Then, end to end through the queues: REST submit -> intake -> one summarise step against the stand-in ->
// folder write-back -> completed, one document at a time, on the real apps with Redis.
// Run after `npm run build`, with Redis at REDIS_URL (default redis://127.0.0.1:6379):
//   node bench/ai-overhead.bench.mjs [--calls 1000] [--rounds 5] [--documents 200] [--no-e2e] [--profile]
// --profile samples one more end-to-end round into a .cpuprofile in the temp folder and says where the time went.
// Calls run one after the other (the latency of one call, not a throughput). Figures: per round the median
// and p99, then the median over rounds. The installation of the end-to-end part uses a private QUEUE_PREFIX;
// its Redis keys and folder are removed at the end.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { Session } from 'node:inspector/promises';
import OpenAI from 'openai';
import ts from 'typescript';
import { dist, dropKeys, requireBuilt, root } from './support/built.mjs';
import { median, percentile } from './support/http-load.mjs';
import { summariseProfile } from './support/cpu-profile.mjs';

requireBuilt('libs/ai/src/index.js', 'libs/runtime/src/index.js');
const { values: args } = parseArgs({
  options: {
    calls: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '5' },
    documents: { type: 'string', default: '200' },
    'no-e2e': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
  },
});
const CALLS = Number(args.calls);
const ROUNDS = Number(args.rounds);
const DOCUMENTS = Number(args.documents);

const { AiService, ProviderRegistry, OpenAiCompatibleProvider, DATA_CLASSES } = await import(dist('libs/ai/src/index.js'));

const work = mkdtempSync(path.join(tmpdir(), 'ai-overhead-bench-'));

/**
 * The stand-in lives in libs/testing, which the build leaves out; it imports only node: modules, so its
 * TypeScript is turned into JavaScript here (types stripped, nothing else changes) and loaded from a temp file.
 */
async function loadStandIn() {
  const source = readFileSync(path.join(root, 'libs/testing/src/chat-completions.stand-in.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
  const relative = /^import[^;]*from\s+['"]\.{1,2}\//m.exec(outputText);
  if (relative) throw new Error(`the chat-completions stand-in now imports project files (${relative[0]}); load it another way`);
  const file = path.join(work, 'chat-completions.stand-in.mjs');
  writeFileSync(file, outputText);
  return import(pathToFileURL(file).href);
}
const { startChatCompletionsStandIn } = await loadStandIn();

const SUMMARY = 'Die Stadt erhebt eine Hundesteuer. Sie ist zum 1. Juli fällig.';
const standIn = await startChatCompletionsStandIn({ otherwise: { json: { summary: SUMMARY } } });

// About one page of German text from the shared corpus (a built-in letter when the corpus is absent).
const corpusIndex = path.resolve(root, '../shared/corpus/index.jsonl');
let text = 'Sehr geehrte Damen und Herren, hiermit beantragen wir die Baugenehmigung für den Umbau des Gebäudes. '.repeat(30);
if (existsSync(corpusIndex)) {
  const entries = readFileSync(corpusIndex, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
  let joined = '';
  for (const entry of entries) {
    if (joined.length >= 3000) break;
    joined += (joined ? '\n\n' : '') + readFileSync(path.resolve(path.dirname(corpusIndex), entry.path), 'utf8').trim();
  }
  text = joined.slice(0, 3000);
}

const PROVIDER = { name: 'llm-bench', location: 'on-premises', operator: 'bench stand-in', dataClasses: [...DATA_CLASSES] };
const STEP = { id: 'kurz', task: 'summarise', provider: PROVIDER.name, sentences: 3 };

const registry = new ProviderRegistry().register(new OpenAiCompatibleProvider({ ...PROVIDER, baseURL: standIn.baseURL, model: 'stand-in', temperature: 0 }));
const ai = new AiService(registry);

// The request body the provider sends, to replay it directly.
const before = standIn.requests.length;
const probe = await ai.run(STEP, text, { dataClass: 'public' });
if (probe.output.summary !== SUMMARY) throw new Error(`unexpected result ${JSON.stringify(probe.output)}`);
const recorded = standIn.requests[before].body;
const requestJson = JSON.stringify(recorded);

const sdk = new OpenAI({ baseURL: standIn.baseURL, apiKey: 'no-key', maxRetries: 0, timeout: 120_000, defaultHeaders: { Authorization: null } });
const url = `${standIn.baseURL}/chat/completions`;

const variants = {
  'direct: plain fetch': async () => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: requestJson });
    const completion = await res.json();
    return JSON.parse(completion.choices[0].message.content).summary;
  },
  'direct: openai SDK': async () => {
    const completion = await sdk.chat.completions.create(recorded);
    return JSON.parse(completion.choices[0].message.content).summary;
  },
  'AiService + OpenAiCompatibleProvider': async () => (await ai.run(STEP, text, { dataClass: 'public' })).output.summary,
};

async function timeCalls(fn, count) {
  const us = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const summary = await fn();
    us[i] = (performance.now() - t0) * 1000;
    if (summary !== SUMMARY) throw new Error(`call ${i} answered ${JSON.stringify(summary)}`);
  }
  return { p50: percentile(us, 50), p99: percentile(us, 99) };
}

console.log(`node ${process.version}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores; stand-in at ${standIn.baseURL} answers at once; text ${text.length} characters, request body ${Buffer.byteLength(requestJson)} bytes`);
console.log(`${ROUNDS} rounds of ${CALLS} sequential calls per variant, after a warm-up of ${Math.min(CALLS, 300)}; per round median and p99, then the median over rounds`);
console.log('');

const names = Object.keys(variants);
for (const name of names) await timeCalls(variants[name], Math.min(CALLS, 300));
const results = Object.fromEntries(names.map((name) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? names : [...names].reverse();
  for (const name of order) results[name].push(await timeCalls(variants[name], CALLS));
}
const summary = Object.fromEntries(names.map((name) => [name, { p50: median(results[name].map((r) => r.p50)), p99: median(results[name].map((r) => r.p99)) }]));
for (const name of names) console.log(`  ${name.padEnd(38)} median ${summary[name].p50.toFixed(0).padStart(6)} us   p99 ${summary[name].p99.toFixed(0).padStart(6)} us`);
const direct = summary['direct: openai SDK'];
const through = summary['AiService + OpenAiCompatibleProvider'];
console.log(`  overhead of the middleware over the SDK call: median ${(through.p50 - direct.p50).toFixed(0)} us, p99 ${(through.p99 - direct.p99).toFixed(0)} us (ratio ${(through.p50 / direct.p50).toFixed(2)})`);
console.log(`  overhead of the SDK over plain fetch: median ${(direct.p50 - summary['direct: plain fetch'].p50).toFixed(0)} us`);

// ---- end to end through the queues ----
if (!args['no-e2e']) {
  const { loadConfig } = await import(dist('libs/config/src/index.js'));
  const { startApplication } = await import(dist('libs/runtime/src/index.js'));
  const { freePort, QueueNames, redisOptionsFromUrl, jobIdFor, Steps } = await import(dist('libs/queue/src/index.js'));
  const { gatewayApp } = await import(dist('apps/gateway/src/gateway.module.js'));
  const { aiWorkerApp } = await import(dist('apps/ai-worker/src/ai-worker.module.js'));
  const { writebackApp } = await import(dist('apps/writeback/src/writeback.module.js'));
  const { QueueEvents } = await import('bullmq');

  const ROUTE = 'bench-ai';
  mkdirSync(path.join(work, 'var'), { recursive: true });
  writeFileSync(
    path.join(work, 'routes.yaml'),
    `routes:
  ${ROUTE}:
    accept: [rest]
    dataClass: public
    steps:
      - { id: ${STEP.id}, task: summarise, provider: ${PROVIDER.name}, sentences: ${STEP.sentences} }
    writeback:
      type: folder
`,
  );
  // The provider as an operator configures it (providers file); an older build without providers files
  // ignores the setting, and the provider is then registered on the running app below.
  writeFileSync(
    path.join(work, 'providers.yaml'),
    `providers:
  ${PROVIDER.name}:
    type: openai-compatible
    baseUrl: ${standIn.baseURL}
    model: stand-in
    location: ${PROVIDER.location}
    operator: ${PROVIDER.operator}
    dataClasses: [${PROVIDER.dataClasses.join(', ')}]
    temperature: 0
`,
  );
  const prefix = `bench${randomUUID().slice(0, 8)}`;
  const env = {
    SCHNITTSTELLE_PROVIDERS: path.join(work, 'providers.yaml'),
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: String(await freePort()),
    SCHNITTSTELLE_ROUTES: path.join(work, 'routes.yaml'),
    SCHNITTSTELLE_VAR_DIR: path.join(work, 'var'),
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'silent',
  };
  const config = loadConfig(env, work);
  let running;
  let events;
  try {
    running = await startApplication(config, [gatewayApp, aiWorkerApp, writebackApp], { processName: 'bench', quiet: true });
    const appRegistry = running.app.get(ProviderRegistry);
    if (!appRegistry.has(PROVIDER.name)) appRegistry.register(new OpenAiCompatibleProvider({ ...PROVIDER, baseURL: standIn.baseURL, model: 'stand-in', temperature: 0 }));
    // Completion of each step's job, as BullMQ reports it, to see where the time of a document goes.
    const stepQueues = [QueueNames.intake, QueueNames.ai, QueueNames.writeback];
    events = stepQueues.map((name) => new QueueEvents(name, { connection: redisOptionsFromUrl(config.redis.url), prefix }));
    await Promise.all(events.map((e) => e.waitUntilReady()));
    const waiting = new Map();
    const doneAt = new Map();
    for (const queueEvents of events) {
      queueEvents.on('completed', ({ jobId }) => (doneAt.set(jobId, performance.now()), waiting.get(jobId)?.resolve()));
      queueEvents.on('failed', ({ jobId, failedReason }) => waiting.get(jobId)?.reject(new Error(failedReason)));
    }

    const standInCallsBefore = standIn.requests.length;
    const submitOne = async () => {
      const t0 = performance.now();
      const res = await fetch(`${running.baseUrl}/api/v1/documents?route=${ROUTE}&correlationId=bench-${randomUUID()}`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body: text,
      });
      const receipt = await res.json();
      if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${JSON.stringify(receipt)}`);
      const accepted = performance.now();
      const jobId = jobIdFor(receipt.documentId, Steps.writeback);
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`document ${receipt.documentId} not completed within 30 s`)), 30_000);
        waiting.set(jobId, { resolve: () => (clearTimeout(timer), resolve()), reject: (e) => (clearTimeout(timer), reject(e)) });
      });
      waiting.delete(jobId);
      const end = performance.now();
      const at = (step) => doneAt.get(jobIdFor(receipt.documentId, step));
      const intakeAt = at(Steps.intake);
      const aiAt = at(STEP.id);
      for (const step of [Steps.intake, STEP.id, Steps.writeback]) doneAt.delete(jobIdFor(receipt.documentId, step));
      return {
        submitUs: (accepted - t0) * 1000,
        intakeUs: ((intakeAt ?? NaN) - accepted) * 1000,
        aiUs: ((aiAt ?? NaN) - (intakeAt ?? NaN)) * 1000,
        writebackUs: (end - (aiAt ?? NaN)) * 1000,
        totalUs: (end - t0) * 1000,
      };
    };
    const PARTS = ['submitUs', 'intakeUs', 'aiUs', 'writebackUs', 'totalUs'];
    const e2eRound = async (count) => {
      const parts = Object.fromEntries(PARTS.map((part) => [part, new Float64Array(count)]));
      for (let i = 0; i < count; i++) {
        const one = await submitOne();
        for (const part of PARTS) parts[part][i] = one[part];
      }
      return { ...Object.fromEntries(PARTS.map((part) => [part, percentile(parts[part], 50)])), p50: percentile(parts.totalUs, 50), p99: percentile(parts.totalUs, 99) };
    };
    await e2eRound(Math.min(DOCUMENTS, 50));
    const e2e = [];
    for (let round = 0; round < Math.min(ROUNDS, 3); round++) e2e.push(await e2eRound(DOCUMENTS));
    const aiCalls = standIn.requests.length - standInCallsBefore;
    const p50 = median(e2e.map((r) => r.p50));
    const p99 = median(e2e.map((r) => r.p99));
    console.log('');
    console.log(`end to end (REST submit -> intake -> ${STEP.id} via the stand-in -> folder write-back -> completed), ${e2e.length} rounds of ${DOCUMENTS} documents one at a time:`);
    console.log(`  per document median ${p50.toFixed(0).padStart(6)} us   p99 ${p99.toFixed(0).padStart(6)} us`);
    const part = (name) => median(e2e.map((r) => r[name])).toFixed(0).padStart(6);
    console.log(
      `  medians of the parts: REST answer ${part('submitUs')} us, then intake job done ${part('intakeUs')} us, ` +
        `then AI step job done ${part('aiUs')} us, then write-back job done ${part('writebackUs')} us (as QueueEvents report them)`,
    );
    console.log(`  beyond the direct SDK call: median ${(p50 - direct.p50).toFixed(0)} us, p99 ${(p99 - direct.p99).toFixed(0)} us; AI calls made ${aiCalls} for ${Math.min(DOCUMENTS, 50) + e2e.length * DOCUMENTS} documents`);
    if (args.profile) {
      // Is the time of a document work or waiting? One more round, sampled (idle = the event loop waits).
      const session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 200 });
      await session.post('Profiler.start');
      await e2eRound(DOCUMENTS);
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      const file = path.join(tmpdir(), `ai-overhead.e2e.${Date.now()}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      console.log(`\nprofiled end-to-end round (${DOCUMENTS} documents), CPU profile: ${file}`);
      console.log(
        summariseProfile(profile, {
          root,
          top: 15,
          per: DOCUMENTS,
          stages: [
            { label: 'idle (waiting for Redis, the disk, timers)', fn: '(idle)' },
            { label: 'audit appends (SQLite)', fn: 'append' },
            { label: 'folder write-back', fn: 'write' },
            { label: 'garbage collection', fn: '(garbage collector)' },
          ],
        }),
      );
    }
  } finally {
    await Promise.all((events ?? []).map((e) => e.close()));
    await running?.close();
    const removed = await dropKeys(env.REDIS_URL, prefix);
    console.log(`\ncleaned up: ${removed} Redis keys ${prefix}:*`);
  }
}

await standIn.close();
rmSync(work, { recursive: true, force: true });
