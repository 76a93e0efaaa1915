// Closed-loop HTTP load generator for the benchmarks: a fixed number of keep-alive connections, each sending
// the next prebuilt request as soon as its previous answer is in. It runs in a worker thread so that the
// client has its own event loop and never waits behind the server it measures (same process, other thread).
// Plain http.Agent on purpose: a SOAP or HTTP client library would add its own cost to every figure.
import http from 'node:http';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';

/**
 * One load generator thread. `run()` sends every body once (in order, `concurrency` at a time) and answers
 * the per-request latencies (ms), the wall time and the errors. An answer is an error when its status is not
 * `expectStatus` or its text misses a pattern of `mustMatch` or has one of `mustNotMatch`.
 */
export class HttpLoad {
  constructor() {
    this.worker = new Worker(new URL(import.meta.url));
    this.pending = undefined;
    this.worker.on('message', (message) => {
      const pending = this.pending;
      this.pending = undefined;
      if (message.error) pending?.reject(new Error(message.error));
      else pending?.resolve(message);
    });
    this.worker.on('error', (error) => this.pending?.reject(error));
  }

  /**
   * @param {{ url: string, headers: Record<string,string>, bodies: Buffer[], concurrency: number,
   *           expectStatus?: number, mustMatch?: string[], mustNotMatch?: string[], timeoutMs?: number }} spec
   * @returns {Promise<{ latenciesMs: Float64Array, wallMs: number, errors: number, errorSamples: string[] }>}
   */
  run(spec) {
    if (this.pending) throw new Error('one run at a time');
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage({ ...spec, bodies: spec.bodies.map((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)) });
    });
  }

  async close() {
    await this.worker.terminate();
  }
}

/** Percentile by the nearest-rank method over unsorted values. */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const median = (values) => percentile(values, 50);

async function runInWorker(spec) {
  const agent = runInWorker.agents.get(spec.url) ?? new http.Agent({ keepAlive: true, maxSockets: spec.concurrency });
  runInWorker.agents.set(spec.url, agent);
  const target = new URL(spec.url);
  const mustMatch = (spec.mustMatch ?? []).map((source) => new RegExp(source));
  const mustNotMatch = (spec.mustNotMatch ?? []).map((source) => new RegExp(source));
  const expectStatus = spec.expectStatus ?? 200;
  const latencies = new Float64Array(spec.bodies.length);
  const errorSamples = [];
  let errors = 0;
  let next = 0;

  const one = (body) =>
    new Promise((resolve) => {
      const req = http.request(
        { host: target.hostname, port: target.port, path: target.pathname + target.search, method: 'POST', agent, headers: { ...spec.headers, 'content-length': body.byteLength } },
        (res) => {
          const chunks = [];
          res.on('data', (chunk) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let problem;
            if (res.statusCode !== expectStatus) problem = `HTTP ${res.statusCode}`;
            else if (mustMatch.some((re) => !re.test(text))) problem = 'answer misses an expected part';
            else if (mustNotMatch.some((re) => re.test(text))) problem = 'answer has a refused part';
            resolve(problem ? `${problem}: ${text.slice(0, 300)}` : undefined);
          });
          res.on('error', (error) => resolve(`response error ${error.message}`));
        },
      );
      req.setTimeout(spec.timeoutMs ?? 30_000, () => req.destroy(new Error('timed out')));
      req.on('error', (error) => resolve(`request error ${error.message}`));
      req.end(body);
    });

  const user = async () => {
    for (;;) {
      const i = next++;
      if (i >= spec.bodies.length) return;
      const start = performance.now();
      const problem = await one(spec.bodies[i]);
      latencies[i] = performance.now() - start;
      if (problem) {
        errors++;
        if (errorSamples.length < 5) errorSamples.push(problem);
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: spec.concurrency }, user));
  return { latenciesMs: latencies, wallMs: performance.now() - started, errors, errorSamples };
}
runInWorker.agents = new Map();

if (!isMainThread && parentPort) {
  parentPort.on('message', (spec) => {
    runInWorker(spec).then(
      (result) => parentPort.postMessage(result, [result.latenciesMs.buffer]),
      (error) => parentPort.postMessage({ error: error.stack ?? String(error) }),
    );
  });
}
