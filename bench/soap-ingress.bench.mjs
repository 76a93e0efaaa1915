// SOAP ingress throughput: submitDocument on the real gateway (hardened read, envelope check, node-soap,
// XML inspection, xdomea XSD validation, document store in Redis, audit record, intake job) against a bare
// node-soap echo service of the same WSDL whose handler only answers a receipt, both in this process and
// driven by the same load generator (keep-alive connections, fixed concurrency, prebuilt envelopes).
// Run after `npm run build`, with Redis at REDIS_URL (default redis://127.0.0.1:6379):
//   node bench/soap-ingress.bench.mjs [--requests 1500] [--rounds 5] [--warmup 3000] [--concurrency 16] [--with-intake-worker]
//                                     [--validation catalogue|none] [--profile] [--xml-workers N]
// Every request carries a new ProzessID and correlationId, so every one is a new document. Only ingress is
// measured: the intake worker is paused (unless --with-intake-worker) and no AI worker or write-back runs.
// The installation uses a private QUEUE_PREFIX; its Redis keys and its folder are removed at the end.
// --profile samples one extra round of each server (this thread) into a .cpuprofile in the temp folder (open
// it in Chrome DevTools) and prints where the gateway's time went, per request.
// Each round also reports the event-loop busy time of this thread per request ("busy"): both servers run on
// it, so that is each server's own CPU cost per request (plus any synchronous waiting), whatever else runs.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { Session } from 'node:inspector/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import soap from 'soap';
import { dist, dropKeys, requireBuilt, root } from './support/built.mjs';
import { HttpLoad, median, percentile } from './support/http-load.mjs';
import { analyseProfile, summariseProfile } from './support/cpu-profile.mjs';

requireBuilt('libs/runtime/src/index.js', 'apps/gateway/src/gateway.module.js');

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '1500' },
    rounds: { type: 'string', default: '5' },
    // Requests per server before the measured rounds. The gateway's CPU per request still fell by a third
    // over its first 2000 (JIT of its longer request path, on the main thread and on each XML worker).
    warmup: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '16' },
    'with-intake-worker': { type: 'boolean', default: false },
    validation: { type: 'string', default: 'catalogue' },
    profile: { type: 'boolean', default: false },
    // XML_WORKERS of the gateway (worker threads reading XML at intake); unset: the configuration's default.
    'xml-workers': { type: 'string' },
  },
});
const REQUESTS = Number(args.requests);
const ROUNDS = Number(args.rounds);
const WARMUP = Number(args.warmup);
const CONCURRENCY = Number(args.concurrency);
const ROUTE = 'bench-xdomea';

const { loadConfig } = await import(dist('libs/config/src/index.js'));
const { startApplication } = await import(dist('libs/runtime/src/index.js'));
const { freePort } = await import(dist('libs/queue/src/index.js'));
const { gatewayApp } = await import(dist('apps/gateway/src/gateway.module.js'));
const { IntakeProcessor } = await import(dist('apps/gateway/src/intake/intake.processor.js'));

const wsdlFile = path.join(root, 'contracts/schnittstelle/v1/schnittstelle.wsdl');
const sampleFile = path.resolve(root, '../shared/conformance/xdomea/samples/thueringen-patterns-3.0.0/xx_Aussonderung.Aussonderung.0503.xml');
const sample = readFileSync(sampleFile, 'utf8');
const PROCESS_ID = /(<xdomea:ProzessID>)[^<]*(<\/xdomea:ProzessID>)/;
if (!PROCESS_ID.test(sample)) throw new Error(`${sampleFile} has no xdomea:ProzessID`);

/**
 * Where one submitDocument spends its time on this thread, by the functions of the request path (see the CPU
 * profile). With XML worker threads (the default on two cores) the envelope check and the document's reading
 * and validation run there and show 0 here; profile with --xml-workers 0 to see them.
 */
const PROFILE_STAGES = [
  { label: 'HTTP parsing up to the SOAP endpoint (its POSTs are taken before Express)', fn: 'parserOnIncoming' },
  { label: 'SOAP endpoint guard (libs/soap), all of it', fn: 'guard' },
  { label: '  envelope check (libs/soap checkEnvelope)', fn: 'checkEnvelope' },
  { label: '    hardened checks of the envelope (screenXml)', fn: 'screenXml', under: 'checkEnvelope' },
  { label: '    envelope tree for the SOAP checks (readXmlTree)', fn: 'readXmlTree', under: 'checkEnvelope' },
  { label: '  arguments from the checked tree (readArguments)', fn: 'readArguments' },
  { label: '  node-soap request parsing (sax; only requests readArguments leaves to it)', fn: '_requestListener' },
  { label: 'intake (IntakeService.accept), synchronous parts', fn: 'accept' },
  { label: '  inspectXml of the document (checks + ordered tree + XÖV header)', fn: 'inspectXml', under: 'accept' },
  { label: '    scanXml of the document, tree building included', fn: 'scanXml', under: 'accept' },
  { label: '      ordered tree (startElement, text)', fn: 'startElement', under: 'accept' },
  { label: '    XÖV header', fn: 'readXoevHeader', under: 'accept' },
  { label: '  text for the AI steps (extractText)', fn: 'extractText' },
  { label: '  XSD validation (validateAgainstCatalogue, all parts)', fn: 'validateAgainstCatalogue' },
  { label: '    libxml2 parse of the document', fn: 'parseUntrustedXml' },
  { label: '    libxml2 validation', fn: 'validateDocument' },
  { label: "  document store and intake job (DocumentStore.create, BullMQ's Job.create; synchronous parts)", fn: 'create', under: 'accept' },
  { label: '  intake job (PipelineService.enqueue, synchronous parts)', fn: 'enqueue' },
  { label: 'audit records (group commits of AuditLog)', fn: 'flushQueue' },
  { label: 'response (node-soap serialisation and write)', fn: 'handleResult' },
  { label: 'garbage collection', fn: '(garbage collector)' },
];

const escapeXml = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A SOAP 1.1 submitDocument envelope carrying the sample with a new ProzessID, as most toolkits send it (escaped text). */
function envelope() {
  const id = randomUUID();
  const document = sample.replace(PROCESS_ID, `$1${id}$2`);
  return Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?>' +
      '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="urn:schnittstelle:v1"><soapenv:Body>' +
      `<tns:submitDocument><tns:routeId>${ROUTE}</tns:routeId><tns:correlationId>bench-${id}</tns:correlationId>` +
      `<tns:xmlDocument>${escapeXml(document)}</tns:xmlDocument></tns:submitDocument>` +
      '</soapenv:Body></soapenv:Envelope>',
    'utf8',
  );
}
const SOAP11_HEADERS = { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:schnittstelle:v1#submitDocument"' };

/** The bare baseline: node-soap on a plain HTTP server, same WSDL, a handler that answers a receipt and nothing else. */
async function startBareEcho(port) {
  const server = http.createServer();
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${port}`;
  const submitDocument = (args) => ({
    receipt: {
      documentId: randomUUID(),
      status: 'accepted',
      routeId: args.routeId,
      correlationId: args.correlationId,
      duplicate: false,
      statusUrl: `${baseUrl}/api/v1/documents/x`,
    },
  });
  const getStatus = () => {
    throw new Error('not part of the baseline');
  };
  const handlers = { submitDocument, getStatus };
  const wsdl = readFileSync(wsdlFile, 'utf8').replaceAll('http://localhost:3000', baseUrl);
  await new Promise((resolve, reject) =>
    soap.listen(server, {
      path: '/soap/v1',
      services: { SchnittstelleService: { SchnittstelleSoap11: handlers, SchnittstelleSoap12: handlers } },
      xml: wsdl,
      enableChunkedEncoding: false,
      callback: (err) => (err ? reject(err) : resolve()),
    }),
  );
  return { url: `${baseUrl}/soap/v1`, close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))) };
}


// ---- set-up: a private installation with one validated xdomea route ----
const dir = mkdtempSync(path.join(tmpdir(), 'soap-ingress-bench-'));
writeFileSync(
  path.join(dir, 'routes.yaml'),
  `routes:
  ${ROUTE}:
    accept: [soap]
    dataClass: public
    validation: ${args.validation}
    steps:
      - { id: sprache, task: detect-language }
    writeback:
      type: folder
`,
);
const prefix = `bench${randomUUID().slice(0, 8)}`;
const env = {
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  HTTP_HOST: '127.0.0.1',
  HTTP_PORT: String(await freePort()),
  SCHNITTSTELLE_ROUTES: path.join(dir, 'routes.yaml'),
  SCHNITTSTELLE_VAR_DIR: path.join(dir, 'var'),
  QUEUE_PREFIX: prefix,
  LOG_LEVEL: 'silent',
  ...(args['xml-workers'] === undefined ? {} : { XML_WORKERS: args['xml-workers'] }),
};
const config = loadConfig(env, dir);

// The Redis server's own CPU time (user + system seconds), from INFO: enqueueing costs it work too.
const { Redis } = await import('ioredis');
const redisInfo = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
async function redisCpuSeconds() {
  const info = await redisInfo.info('cpu');
  const field = (name) => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
}

let running;
let bare;
const load = new HttpLoad();
try {
  running = await startApplication(config, [gatewayApp], { processName: 'bench', quiet: true });
  const intakeWorker = running.app.get(IntakeProcessor).worker;
  if (!args['with-intake-worker']) await intakeWorker.pause();
  bare = await startBareEcho(await freePort());
  const gatewayUrl = `${running.baseUrl}/soap/v1`;

  const targets = {
    gateway: { url: gatewayUrl, mustMatch: ['<(\\w+:)?duplicate>false</', '<(\\w+:)?status>accepted</'], mustNotMatch: ['Fault>'] },
    bare: { url: bare.url, mustMatch: ['<(\\w+:)?duplicate>false</', '<(\\w+:)?status>accepted</'], mustNotMatch: ['Fault>'] },
  };
  const round = async (name, count = REQUESTS, around = { before: async () => undefined, after: async () => undefined }) => {
    const bodies = Array.from({ length: count }, envelope);
    await around.before();
    // Both servers run on this thread: its event-loop busy time per request is each one's own cost,
    // less blurred by other load on the machine than requests per second.
    const elu = performance.eventLoopUtilization();
    const cpuBefore = process.cpuUsage();
    const redisBefore = await redisCpuSeconds();
    const result = await load.run({ ...targets[name], headers: SOAP11_HEADERS, bodies, concurrency: CONCURRENCY, expectStatus: 200 });
    const busy = performance.eventLoopUtilization(elu);
    const cpu = process.cpuUsage(cpuBefore);
    const redisUs = ((await redisCpuSeconds()) - redisBefore) * 1e6;
    await around.after();
    return {
      busyUs: (busy.active * 1000) / count,
      // All threads of this process (servers, XML workers, load client) and the Redis server, per request.
      processUs: (cpu.user + cpu.system) / count,
      redisUs: redisUs / count,
      rps: count / (result.wallMs / 1000),
      p50: percentile(result.latenciesMs, 50),
      p99: percentile(result.latenciesMs, 99),
      errors: result.errors,
      errorSamples: result.errorSamples,
      bytes: bodies.reduce((sum, body) => sum + body.byteLength, 0),
    };
  };

  const envelopeBytes = envelope().byteLength;
  console.log(`node ${process.version}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores; ${CONCURRENCY} keep-alive connections; ${ROUNDS} rounds of ${REQUESTS} requests per server after ${WARMUP} to warm up`);
  console.log(`document: ${path.basename(sampleFile)} (${Buffer.byteLength(sample)} bytes), envelope ${envelopeBytes} bytes, route "${ROUTE}" with validation: ${args.validation}; XML worker threads: ${config.xml.workers}`);
  console.log(`gateway: ${gatewayUrl} (intake worker ${args['with-intake-worker'] ? 'running' : 'paused: ingress only'}); bare node-soap echo: ${bare.url}`);
  console.log('');

  // Warm-up (JIT, schema compile, connections), then alternate so drift of a noisy machine hits both alike.
  if (WARMUP > 0) {
    await round('bare', WARMUP);
    await round('gateway', WARMUP);
  }
  const results = { gateway: [], bare: [] };
  for (let i = 0; i < ROUNDS; i++) {
    for (const name of i % 2 === 0 ? ['bare', 'gateway'] : ['gateway', 'bare']) {
      const r = await round(name);
      results[name].push(r);
      console.log(
        `  round ${i + 1} ${name.padEnd(7)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(1).padStart(6)} ms  p99 ${r.p99.toFixed(1).padStart(6)} ms  ` +
          `busy ${r.busyUs.toFixed(0).padStart(5)} us/req  CPU process ${r.processUs.toFixed(0).padStart(5)} + Redis ${r.redisUs.toFixed(0).padStart(4)} us/req  errors ${r.errors}`,
      );
      for (const sample of r.errorSamples) console.log(`    error: ${sample}`);
    }
  }

  const summary = (name) => ({
    rps: median(results[name].map((r) => r.rps)),
    p50: median(results[name].map((r) => r.p50)),
    p99: median(results[name].map((r) => r.p99)),
    busyUs: median(results[name].map((r) => r.busyUs)),
    processUs: median(results[name].map((r) => r.processUs)),
    redisUs: median(results[name].map((r) => r.redisUs)),
    errors: results[name].reduce((sum, r) => sum + r.errors, 0),
  });
  const gateway = summary('gateway');
  const baseline = summary('bare');
  console.log('');
  console.log('medians over the rounds:');
  for (const [name, s] of [['bare node-soap echo', baseline], ['gateway submitDocument', gateway]]) {
    console.log(
      `  ${name.padEnd(24)} ${s.rps.toFixed(0).padStart(6)} req/s  p50 ${s.p50.toFixed(1).padStart(6)} ms  p99 ${s.p99.toFixed(1).padStart(6)} ms  ` +
        `busy ${s.busyUs.toFixed(0).padStart(5)} us/req  CPU process ${s.processUs.toFixed(0).padStart(5)} + Redis ${s.redisUs.toFixed(0).padStart(4)} us/req  errors ${s.errors}/${ROUNDS * REQUESTS}`,
    );
  }
  const ratio = gateway.rps / baseline.rps;
  console.log(`  ratio gateway / bare (req/s): ${ratio.toFixed(2)}  (goal: at least 0.5)`);
  // The two rounds of one index run back to back: their ratio shows how far the machine's drift moves it.
  const paired = results.gateway.map((r, i) => r.rps / results.bare[i].rps);
  console.log(`  ratio within each round: ${paired.map((r) => r.toFixed(2)).join(' ')} (min ${Math.min(...paired).toFixed(2)}, median ${median(paired).toFixed(2)}, max ${Math.max(...paired).toFixed(2)})`);
  console.log(`  p99 gateway / bare: ${(gateway.p99 / baseline.p99).toFixed(2)}`);
  console.log(`  server thread busy per request, bare / gateway: ${(baseline.busyUs / gateway.busyUs).toFixed(2)}`);

  if (args.profile) {
    // One more round of each, sampled in this thread (both servers run here; the client has its own thread).
    const cpu = {};
    for (const name of ['bare', 'gateway']) {
      const session = new Session();
      let profile;
      const r = await round(name, REQUESTS, {
        before: async () => {
          session.connect();
          await session.post('Profiler.enable');
          await session.post('Profiler.setSamplingInterval', { interval: 200 });
          await session.post('Profiler.start');
        },
        after: async () => {
          ({ profile } = await session.post('Profiler.stop'));
          session.disconnect();
        },
      });
      const file = path.join(tmpdir(), `soap-ingress.${name}.${Date.now()}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      const { totalMs, stages } = analyseProfile(profile, { root, stages: [{ label: 'idle', fn: '(idle)' }] });
      cpu[name] = { busyUsPerRequest: ((totalMs - stages[0].totalMs) * 1000) / REQUESTS, rps: r.rps };
      console.log('');
      console.log(`profiled ${name} round: ${r.rps.toFixed(0)} req/s, errors ${r.errors}; CPU profile of this thread: ${file}`);
      if (name === 'gateway') console.log(summariseProfile(profile, { root, top: 15, per: REQUESTS, stages: PROFILE_STAGES }));
    }
    console.log('');
    console.log(
      `busy CPU of the server thread per request: bare ${cpu.bare.busyUsPerRequest.toFixed(0)} us, gateway ${cpu.gateway.busyUsPerRequest.toFixed(0)} us ` +
        `(gateway's own share ${(cpu.gateway.busyUsPerRequest - cpu.bare.busyUsPerRequest).toFixed(0)} us)`,
    );
  }
  if (gateway.errors + baseline.errors > 0) process.exitCode = 1;
} finally {
  await load.close();
  redisInfo.disconnect();
  await bare?.close();
  await running?.close();
  const removed = await dropKeys(env.REDIS_URL, prefix).catch((error) => (console.error(`could not remove the keys ${prefix}:*: ${error.message}`), 0));
  rmSync(dir, { recursive: true, force: true });
  console.log(`\ncleaned up: ${removed} Redis keys ${prefix}:*, ${dir}`);
}
