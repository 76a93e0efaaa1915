import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { InputError, UnavailableError } from '@app/contracts';
import { XmlWorkerPool } from './xml-worker.pool.js';
import { readXmlForIntake, type XmlIntakeOptions } from './xml-intake.reader.js';
import { disposeXsdSchemas, XsdSchemaLoadError } from './xsd-schema.loader.js';

const ROOT = process.cwd();
const CONTRACTS = path.resolve(ROOT, 'contracts');
// Jest runs the TypeScript sources, which cannot start as a worker: the worker path is tested with the build.
const BUILT_WORKER = path.resolve(ROOT, 'dist/libs/xml/src/xml-intake.worker.js');
const NOT_OK = path.resolve(ROOT, 'test/fixtures/not-ok');
const XDOMEA_SAMPLES = path.resolve(ROOT, '../shared/conformance/xdomea/samples/thueringen-patterns-3.0.0');
const catalogue: XmlIntakeOptions = { validation: { kind: 'catalogue', catalogueRoot: CONTRACTS } };

/** What a reading gave, comparable across threads: the result, or the error's class, message, code and status. */
async function outcome(read: () => Promise<unknown>): Promise<unknown> {
  try {
    return { result: await read() };
  } catch (error) {
    const e = error as Error & { code?: string; httpStatus?: number; retryAt?: number; schemaPath?: string; details?: unknown; refused?: unknown };
    return { error: { class: e.constructor.name, name: e.name, message: e.message, code: e.code, httpStatus: e.httpStatus, retryAt: e.retryAt, schemaPath: e.schemaPath, details: e.details, refused: e.refused } };
  }
}

const pools: XmlWorkerPool[] = [];
function pool(...args: ConstructorParameters<typeof XmlWorkerPool>): XmlWorkerPool {
  const created = new XmlWorkerPool(...args);
  pools.push(created);
  return created;
}

const workerDirs: string[] = [];

/** A stand-in worker speaking the pool's protocol: answers with the body as text, ends itself on `crash`. */
function fakeWorker(source: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'xml-pool-'));
  workerDirs.push(dir);
  const file = path.join(dir, 'worker.mjs');
  writeFileSync(file, source);
  return file;
}
const ECHO_OR_CRASH = `
import { parentPort } from 'node:worker_threads';
parentPort.on('message', (job) => {
  const text = Buffer.from(job.payload.body).toString('utf8');
  if (text === 'crash') process.exit(7);
  parentPort.postMessage({ id: job.id, result: { text, rootElement: 'echo', warnings: [] } });
});
parentPort.postMessage({ ready: true });
`;
/** Answers with the body as text; spins forever on `hang`, blocks its thread for 250 ms on `slow`. */
const ECHO_HANG_OR_SLOW = `
import { parentPort } from 'node:worker_threads';
const sleeper = new Int32Array(new SharedArrayBuffer(4));
parentPort.on('message', (job) => {
  const text = Buffer.from(job.payload.body).toString('utf8');
  if (text === 'hang') for (;;);
  if (text === 'slow') Atomics.wait(sleeper, 0, 0, 250);
  parentPort.postMessage({ id: job.id, result: { text, rootElement: 'echo', warnings: [] } });
});
parentPort.postMessage({ ready: true });
`;

afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
  await disposeXsdSchemas();
  for (const dir of workerDirs) rmSync(dir, { recursive: true, force: true });
});

describe('XmlWorkerPool on worker threads (built worker)', () => {
  it('needs the build', () => {
    expect(existsSync(BUILT_WORKER)).toBe(true);
  });

  it('gives the same results and the same refusals as the in-process reading, for good and hostile documents', async () => {
    const workers = pool({ size: 2, workerFile: BUILT_WORKER });
    expect(workers.mode).toBe('workers');
    const cases: Array<[string, Buffer, XmlIntakeOptions]> = [];
    for (const name of readdirSync(NOT_OK).filter((n) => n.endsWith('.xml'))) cases.push([name, readFileSync(path.join(NOT_OK, name)), catalogue]);
    for (const name of readdirSync(XDOMEA_SAMPLES).filter((n) => n.endsWith('.xml'))) cases.push([name, readFileSync(path.join(XDOMEA_SAMPLES, name)), catalogue]);
    const sample = cases.at(-1)![1];
    cases.push(
      ['tight depth limit', sample, { ...catalogue, limits: { maxDepth: 3 } }],
      ['no validation', sample, { validation: { kind: 'none' } }],
      ['one schema file', sample, { validation: { kind: 'schema', schemaPath: path.join(CONTRACTS, 'xdomea/3.0.0/xdomea_3.0.0/xdomea.xsd') } }],
      ['a missing schema file', sample, { validation: { kind: 'schema', schemaPath: path.join(CONTRACTS, 'nowhere.xsd') } }],
      ['a bad limit', sample, { ...catalogue, limits: { maxDepth: -1 } }],
    );
    expect(cases.length).toBeGreaterThan(12);
    // All at once, so both workers and the queue take part.
    const viaWorkers = await Promise.all(cases.map(([, body, options]) => outcome(() => workers.read(body, options))));
    for (const [i, [name, body, options]] of cases.entries()) {
      expect({ name, ...(viaWorkers[i] as object) }).toEqual({ name, ...((await outcome(() => readXmlForIntake(body, options))) as object) });
    }
    // The hostile catalogue is refused the way intake reports it: InputError with its code and status.
    const refusals = Object.fromEntries(cases.slice(0, readdirSync(NOT_OK).filter((n) => n.endsWith('.xml')).length).map(([name], i) => [name, viaWorkers[i]]));
    expect(refusals['xxe-file.xml']).toMatchObject({ error: { class: 'InputError', code: 'doctype', httpStatus: 400 } });
    expect(refusals['wrong-namespace.xml']).toMatchObject({ error: { class: 'InputError', code: 'unknown-schema', httpStatus: 422 } });
    expect(refusals['schema-invalid-xdomea.xml']).toMatchObject({ result: { validation: { valid: false } } });
    expect(viaWorkers.at(-2)).toMatchObject({ error: { class: 'XsdSchemaLoadError' } });
    expect(viaWorkers.at(-1)).toMatchObject({ error: { class: 'RangeError' } });
  });

  it('revives errors as their own classes', async () => {
    const workers = pool({ size: 1, workerFile: BUILT_WORKER });
    await expect(workers.read(Buffer.from(''), catalogue)).rejects.toBeInstanceOf(InputError);
    await expect(workers.read(Buffer.from('<a/>'), { validation: { kind: 'schema', schemaPath: '/nowhere/x.xsd' } })).rejects.toBeInstanceOf(XsdSchemaLoadError);
  });

  it('copies the body for the worker: the caller keeps its bytes, even a view into a larger buffer', async () => {
    const workers = pool({ size: 1, workerFile: BUILT_WORKER });
    const backing = Buffer.from('xxxx<akte><titel>Bauantrag</titel></akte>yyyy');
    const body = backing.subarray(4, backing.length - 4);
    const result = await workers.read(body, { validation: { kind: 'none' } });
    expect(result).toEqual({ text: 'Bauantrag', rootElement: 'akte', warnings: [] });
    expect(body.toString()).toBe('<akte><titel>Bauantrag</titel></akte>');
    expect(backing.byteLength).toBe(45);
  });

  it('reads in-process once closed', async () => {
    const workers = new XmlWorkerPool({ size: 1, workerFile: BUILT_WORKER });
    await workers.close();
    expect(workers.mode).toBe('in-process');
    expect(workers.size).toBe(0);
    await expect(workers.read(Buffer.from('<a>Text</a>'), { validation: { kind: 'none' } })).resolves.toMatchObject({ text: 'Text' });
  });
});

describe('XmlWorkerPool, choosing where to read', () => {
  it('reads in-process with size 0', async () => {
    const inProcess = pool({ size: 0, workerFile: BUILT_WORKER });
    expect(inProcess.mode).toBe('in-process');
    expect(inProcess.size).toBe(0);
    await expect(inProcess.read(Buffer.from('<a>Text</a>'), { validation: { kind: 'none' } })).resolves.toMatchObject({ text: 'Text' });
  });

  it('reads in-process when there is no worker module (running from the TypeScript sources, as under Jest)', async () => {
    const fromSources = pool({ size: 2 });
    expect(fromSources.mode).toBe('in-process');
    expect(fromSources.reason).toMatch(/no worker module at .*xml-intake\.worker\.js/);
    await expect(fromSources.read(Buffer.from('<a>Text</a>'), { validation: { kind: 'none' } })).resolves.toMatchObject({ text: 'Text' });
  });

  it('refuses a size that is not a whole number from 0', () => {
    expect(() => new XmlWorkerPool({ size: -1 })).toThrow(RangeError);
    expect(() => new XmlWorkerPool({ size: 1.5 })).toThrow(RangeError);
    expect(() => new XmlWorkerPool({ size: 0, timeoutMs: 0 })).toThrow(RangeError);
    expect(() => new XmlWorkerPool({ size: 0, timeoutMs: 2.5 })).toThrow(RangeError);
  });

  it('falls back to in-process when the worker cannot start, losing no document', async () => {
    const problems: string[] = [];
    const broken = pool({ size: 1, workerFile: fakeWorker(`throw new Error('broken build');`), onProblem: (m) => problems.push(m) });
    expect(broken.mode).toBe('workers');
    const results = await Promise.all([1, 2, 3].map((n) => broken.read(Buffer.from(`<a>Text ${n}</a>`), { validation: { kind: 'none' } })));
    expect(results.map((r) => r.text)).toEqual(['Text 1', 'Text 2', 'Text 3']);
    expect(broken.mode).toBe('in-process');
    expect(broken.reason).toMatch(/could not start.*broken build/);
    expect(problems).toEqual([expect.stringMatching(/could not start/)]);
  });
});

describe('XmlWorkerPool, named tasks', () => {
  const upper = { upper: ({ body }: { body: Uint8Array }) => ({ text: Buffer.from(body).toString('utf8').toUpperCase() }) };
  /** A worker serving `upper` through serveXmlWorkerTasks of the build, as a connector's worker file would. */
  const upperWorker = () =>
    fakeWorker(`
import { serveXmlWorkerTasks } from ${JSON.stringify(path.resolve(ROOT, 'dist/libs/xml/src/xml-worker.server.js'))};
serveXmlWorkerTasks({ upper: ({ body }) => ({ text: Buffer.from(body).toString('utf8').toUpperCase() }) });
`);

  it('runs a task of its own in-process and on a worker, with the same result', async () => {
    const inProcess = pool({ size: 0, tasks: upper });
    const workers = pool({ size: 1, tasks: upper, workerFile: upperWorker() });
    expect(workers.mode).toBe('workers');
    for (const each of [inProcess, workers]) await expect(each.run('upper', { body: Buffer.from('straße') })).resolves.toEqual({ text: 'STRASSE' });
  });

  it('refuses a task it was not given, and a worker refuses a task it does not serve', async () => {
    await expect(pool({ size: 0, tasks: upper }).run('xml-intake', { body: Buffer.from('<a/>') })).rejects.toThrow('the XML worker pool has no task "xml-intake" (it has: upper)');
    // The pool believes in the intake task, the worker file serves only `upper`: the job fails, the worker lives on.
    const mismatched = pool({ size: 1, workerFile: upperWorker() });
    await expect(mismatched.read(Buffer.from('<a/>'), { validation: { kind: 'none' } })).rejects.toThrow('this XML worker has no task "xml-intake" (it has: upper)');
    expect(mismatched.size).toBe(1);
  });
});

describe('XmlWorkerPool when a worker dies', () => {
  it('rejects only the job it was reading, with UnavailableError, and goes on with a new worker', async () => {
    const problems: string[] = [];
    const crashing = pool({ size: 1, workerFile: fakeWorker(ECHO_OR_CRASH), onProblem: (m) => problems.push(m) });
    const none: XmlIntakeOptions = { validation: { kind: 'none' } };
    const reads = ['eins', 'crash', 'zwei', 'drei', 'vier'].map((text) => outcome(() => crashing.read(Buffer.from(text), none)));
    const outcomes = await Promise.all(reads);
    expect(outcomes.map((o) => (o as { result?: { text: string } }).result?.text ?? 'rejected')).toEqual(['eins', 'rejected', 'zwei', 'drei', 'vier']);
    expect(outcomes[1]).toMatchObject({ error: { class: 'UnavailableError', code: 'unavailable', message: expect.stringContaining('exit code 7') } });
    expect(problems).toEqual([expect.stringMatching(/stopped \(exit code 7\); replaced/)]);
    expect(crashing.mode).toBe('workers');
    expect(crashing.size).toBe(1);
    await expect(crashing.read(Buffer.from('fünf'), none)).resolves.toMatchObject({ text: 'fünf' });
    // A second crash is handled like the first.
    await expect(crashing.read(Buffer.from('crash'), none)).rejects.toBeInstanceOf(UnavailableError);
    await expect(crashing.read(Buffer.from('sechs'), none)).resolves.toMatchObject({ text: 'sechs' });
  });
});

describe('XmlWorkerPool when a worker is stuck', () => {
  const none: XmlIntakeOptions = { validation: { kind: 'none' } };
  const texts = (outcomes: unknown[]) => outcomes.map((o) => (o as { result?: { text: string } }).result?.text ?? 'rejected');

  it('ends it after the deadline, refuses only that document with UnavailableError, and gives the others to a new worker', async () => {
    const problems: string[] = [];
    const stuck = pool({ size: 1, timeoutMs: 300, workerFile: fakeWorker(ECHO_HANG_OR_SLOW), onProblem: (m) => problems.push(m) });
    const started = Date.now();
    const outcomes = await Promise.all(['eins', 'hang', 'zwei', 'drei'].map((text) => outcome(() => stuck.read(Buffer.from(text), none))));
    expect(texts(outcomes)).toEqual(['eins', 'rejected', 'zwei', 'drei']);
    expect(outcomes[1]).toMatchObject({ error: { class: 'UnavailableError', code: 'unavailable', message: expect.stringContaining('no answer within 300 ms') } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(problems).toEqual([expect.stringMatching(/stopped \(no answer within 300 ms\); replaced/)]);
    expect(stuck.mode).toBe('workers');
    expect(stuck.size).toBe(1);
    await expect(stuck.read(Buffer.from('vier'), none)).resolves.toMatchObject({ text: 'vier' });
    // A second stuck worker is handled like the first.
    await expect(stuck.read(Buffer.from('hang'), none)).rejects.toBeInstanceOf(UnavailableError);
    await expect(stuck.read(Buffer.from('fünf'), none)).resolves.toMatchObject({ text: 'fünf' });
    expect(problems).toHaveLength(2);
  });

  it('counts the deadline from when the worker starts a document, not from when it was queued', async () => {
    const problems: string[] = [];
    const slow = pool({ size: 1, timeoutMs: 400, workerFile: fakeWorker(ECHO_HANG_OR_SLOW), onProblem: (m) => problems.push(m) });
    const started = Date.now();
    // Each takes 250 ms; the worker holds two at a time, so each waits about 500 ms from being sent to it
    // until its answer, and all together take longer than the deadline: none may be refused.
    const outcomes = await Promise.all([1, 2, 3, 4].map(() => outcome(() => slow.read(Buffer.from('slow'), none))));
    expect(Date.now() - started).toBeGreaterThan(900);
    expect(texts(outcomes)).toEqual(['slow', 'slow', 'slow', 'slow']);
    expect(problems).toEqual([]);
  });

  it('leaves a worker that answers in time alone (the built worker, default deadline)', async () => {
    const problems: string[] = [];
    const workers = pool({ size: 1, workerFile: BUILT_WORKER, onProblem: (m) => problems.push(m) });
    await expect(workers.read(Buffer.from('<a>Text</a>'), none)).resolves.toMatchObject({ text: 'Text' });
    expect(problems).toEqual([]);
  });
});
