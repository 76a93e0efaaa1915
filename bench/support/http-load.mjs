// Closed-loop HTTP load generator for the benchmarks: a fixed number of keep-alive connections, each sending
// the next prebuilt request as soon as its previous answer is in. It runs in a worker thread so that the
// client has its own event loop and never waits behind the server it measures (same process, other thread).
// It writes requests as prebuilt bytes over plain sockets and reads answers with a minimal parser: whatever
// the client spends, the server it measures does not have (they share the machine).
import net from 'node:net';
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

/**
 * One keep-alive HTTP/1.1 connection, one request at a time. Requests are written as prebuilt bytes and
 * answers read with a parser that knows just what these servers send (Content-Length or chunked bodies):
 * the load generator shares the machine with the server it measures, and Node's HTTP client took about
 * twice as much CPU per request from it.
 */
class Connection {
  constructor(target) {
    this.socket = net.connect({ host: target.hostname, port: Number(target.port || 80) });
    this.socket.setNoDelay(true);
    this.buffered = undefined;
    this.waiting = undefined;
    this.closed = false;
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    this.socket.on('data', (chunk) => {
      this.buffered = this.buffered ? Buffer.concat([this.buffered, chunk]) : chunk;
      const answer = this.waiting && parseResponse(this.buffered);
      if (!answer) return;
      this.buffered = answer.end < this.buffered.length ? this.buffered.subarray(answer.end) : undefined;
      const { resolve } = this.waiting;
      this.waiting = undefined;
      resolve(answer);
    });
    const fail = (error) => {
      this.closed = true;
      const waiting = this.waiting;
      this.waiting = undefined;
      waiting?.resolve({ error: error?.message ?? 'connection closed by the server' });
    };
    this.socket.on('error', fail);
    this.socket.on('close', () => fail());
  }

  /** Sends one request and reads its answer: { status, body, close } or { error }. */
  exchange(head, body) {
    return new Promise((resolve) => {
      if (this.closed) return resolve({ error: 'connection closed by the server' });
      this.waiting = { resolve, since: performance.now() };
      this.socket.cork();
      this.socket.write(head);
      this.socket.write(body);
      this.socket.uncork();
    });
  }

  /** Ends an exchange that has waited longer than `timeoutMs`; one timer checks them all, not one per request. */
  expire(timeoutMs) {
    if (!this.waiting || performance.now() - this.waiting.since < timeoutMs) return;
    const { resolve } = this.waiting;
    this.waiting = undefined;
    this.destroy();
    resolve({ error: 'timed out' });
  }

  destroy() {
    this.closed = true;
    this.socket.destroy();
  }
}

const CRLF2 = Buffer.from('\r\n\r\n');

/** A complete answer at the start of `buffer` ({ status, body, close, end }), or undefined while it is not all in. */
function parseResponse(buffer) {
  const headEnd = buffer.indexOf(CRLF2);
  if (headEnd === -1) return undefined;
  const head = buffer.toString('latin1', 0, headEnd);
  const status = Number(head.slice(9, 12));
  const close = /\r\nconnection:\s*close/i.test(head);
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  const start = headEnd + 4;
  if (length) {
    const end = start + Number(length[1]);
    return end <= buffer.length ? { status, body: buffer.toString('utf8', start, end), close, end } : undefined;
  }
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    const parts = [];
    for (let at = start; ; ) {
      const lineEnd = buffer.indexOf('\r\n', at);
      if (lineEnd === -1) return undefined;
      const size = Number.parseInt(buffer.toString('latin1', at, lineEnd), 16);
      if (size === 0) {
        const end = buffer.indexOf(CRLF2, lineEnd);
        return end === -1 ? undefined : { status, body: Buffer.concat(parts).toString('utf8'), close, end: end + 4 };
      }
      if (lineEnd + 2 + size + 2 > buffer.length) return undefined;
      parts.push(buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
  }
  // Neither: the body runs to the end of the connection, which these servers never do.
  return { status, body: '', close: true, end: buffer.length, error: 'answer without Content-Length or chunked body' };
}

async function runInWorker(spec) {
  const target = new URL(spec.url);
  // Open connections are kept for the next run against the same URL, as a keep-alive client would.
  const idle = runInWorker.idle.get(spec.url) ?? [];
  runInWorker.idle.set(spec.url, idle);
  const headers = Object.entries(spec.headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  const requestHead = (length) => Buffer.from(`POST ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n${headers}Content-Length: ${length}\r\n\r\n`, 'latin1');
  const mustMatch = (spec.mustMatch ?? []).map((source) => new RegExp(source));
  const mustNotMatch = (spec.mustNotMatch ?? []).map((source) => new RegExp(source));
  const expectStatus = spec.expectStatus ?? 200;
  const timeoutMs = spec.timeoutMs ?? 30_000;
  const latencies = new Float64Array(spec.bodies.length);
  const errorSamples = [];
  let errors = 0;
  let next = 0;

  const busy = new Set();
  const watchdog = setInterval(() => busy.forEach((connection) => connection.expire(timeoutMs)), Math.min(1000, timeoutMs));
  const user = async () => {
    let connection;
    for (;;) {
      const i = next++;
      if (i >= spec.bodies.length) break;
      const body = spec.bodies[i];
      const head = requestHead(body.byteLength);
      const start = performance.now();
      let problem;
      try {
        // A connection the server closed while idle is dropped; an open one from the last run is reused.
        while (!connection || connection.closed) {
          connection = idle.pop();
          if (!connection) break;
        }
        if (!connection) {
          connection = new Connection(target);
          await connection.ready;
        }
        busy.add(connection);
        const answer = await connection.exchange(head, body);
        if (answer.error) problem = `request error ${answer.error}`;
        else if (answer.status !== expectStatus) problem = `HTTP ${answer.status}: ${answer.body.slice(0, 300)}`;
        else if (mustMatch.some((re) => !re.test(answer.body))) problem = `answer misses an expected part: ${answer.body.slice(0, 300)}`;
        else if (mustNotMatch.some((re) => re.test(answer.body))) problem = `answer has a refused part: ${answer.body.slice(0, 300)}`;
        if (answer.error || answer.close) {
          connection.destroy();
          busy.delete(connection);
          connection = undefined;
        }
      } catch (error) {
        problem = `request error ${error.message}`;
        connection?.destroy();
        busy.delete(connection);
        connection = undefined;
      }
      latencies[i] = performance.now() - start;
      if (problem) {
        errors++;
        if (errorSamples.length < 5) errorSamples.push(problem);
      }
    }
    busy.delete(connection);
    if (connection && !connection.closed) idle.push(connection);
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: spec.concurrency }, user));
  clearInterval(watchdog);
  return { latenciesMs: latencies, wallMs: performance.now() - started, errors, errorSamples };
}
runInWorker.idle = new Map();

if (!isMainThread && parentPort) {
  parentPort.on('message', (spec) => {
    runInWorker(spec).then(
      (result) => parentPort.postMessage(result, [result.latenciesMs.buffer]),
      (error) => parentPort.postMessage({ error: error.stack ?? String(error) }),
    );
  });
}
