// XSD validation speed: libxml2-wasm through @app/xml (warm validator) against the xmllint command line.
// Run after `npm run build`:  node bench/xml-validate.bench.mjs
// Plain JavaScript because the build (tsconfig.build.json) does not compile bench/ and Node 20 runs no TypeScript.
// MB are 10^6 bytes; every figure is the median of 5 runs after one warm-up run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dist, requireBuilt, root } from './support/built.mjs';

requireBuilt('libs/xml/src/index.js');
const built = dist('libs/xml/src/index.js');
const { loadXsdSchema, validateAgainstCatalogue, disposeXsdSchemas } = await import(built);

const RUNS = 5;
const TARGET_BYTES = 10_000_000;
const samples = path.resolve(root, '../shared/conformance/xrechnung/samples');
const contracts = path.join(root, 'contracts');
const schema = path.join(contracts, 'ubl/2.1/maindoc/UBL-Invoice-2.1.xsd');

const walk = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(path.join(dir, entry.name)) : entry.name.endsWith('_ubl.xml') ? [path.join(dir, entry.name)] : []));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const mb = (bytes) => bytes / 1e6;

function timed(fn) {
  fn(); // warm-up
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return median(times);
}

async function timedAsync(fn) {
  await fn();
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return median(times);
}

/** A valid UBL invoice of about TARGET_BYTES: the first sample's first InvoiceLine repeated. */
function syntheticInvoice(base) {
  const text = readFileSync(base, 'utf8');
  const line = /<cac:InvoiceLine>[\s\S]*?<\/cac:InvoiceLine>/.exec(text)?.[0];
  if (!line) throw new Error(`${base} has no cac:InvoiceLine`);
  const at = text.lastIndexOf('</cac:InvoiceLine>') + '</cac:InvoiceLine>'.length;
  const copies = Math.ceil((TARGET_BYTES - text.length) / (line.length + 5));
  return { text: text.slice(0, at) + `\n    ${line}`.repeat(copies) + text.slice(at), lines: copies };
}

function xmllintVersion() {
  const probe = spawnSync('xmllint', ['--version'], { encoding: 'utf8' });
  return probe.status === 0 || probe.stderr ? (probe.stderr || probe.stdout).split('\n')[0] : undefined;
}

const invoices = walk(samples).map((file) => ({ file, size: statSync(file).size })).sort((a, b) => b.size - a.size);
const largest = invoices[0];
const work = mkdtempSync(path.join(tmpdir(), 'xml-validate-bench-'));
const synthetic = syntheticInvoice(invoices.find(({ file }) => /01\.01a-INVOICE_ubl\.xml$/.test(file))?.file ?? largest.file);
const syntheticFile = path.join(work, 'synthetic-invoice.xml');
writeFileSync(syntheticFile, synthetic.text);

const compileStart = process.hrtime.bigint();
const validator = await loadXsdSchema(schema, { roots: [path.join(contracts, 'ubl/2.1')] });
const compileSeconds = Number(process.hrtime.bigint() - compileStart) / 1e9;
const lint = xmllintVersion();

console.log(`node ${process.version}; schema compiled once in ${(compileSeconds * 1000).toFixed(0)} ms (includes loading libxml2-wasm)`);
console.log(`xmllint: ${lint ?? 'not installed (apt-get install -y libxml2-utils)'}`);
console.log('');

/** xmllint runs: wall time of the whole process, and parse + validate as its own --timing reports them (ms resolution). */
function xmllint(file) {
  const runs = [];
  for (let i = 0; i <= RUNS; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync('xmllint', ['--noout', '--timing', '--schema', schema, file], { encoding: 'utf8' });
    const wall = Number(process.hrtime.bigint() - start) / 1e9;
    if (result.status !== 0) throw new Error(`xmllint says ${file} is not valid: ${result.stderr.slice(0, 500)}`);
    const took = (what) => Number(new RegExp(`${what} took (\\d+) ms`).exec(result.stderr)?.[1] ?? NaN) / 1000;
    if (i > 0) runs.push({ wall, compile: took('Compiling the schemas'), net: took('Parsing') + took('Validating') });
  }
  return { wall: median(runs.map((run) => run.wall)), compile: median(runs.map((run) => run.compile)), net: median(runs.map((run) => run.net)) };
}

const cases = [
  { name: `largest sample ${path.basename(largest.file)}`, file: largest.file },
  { name: `synthetic invoice (${synthetic.lines} InvoiceLines)`, file: syntheticFile },
];
for (const { name, file } of cases) {
  const bytes = readFileSync(file);
  const check = validator.validate(bytes);
  if (!check.valid) throw new Error(`${name} is not valid: ${JSON.stringify(check.errors.slice(0, 3))}`);
  const warm = timed(() => validator.validate(bytes));
  const catalogue = await timedAsync(() => validateAgainstCatalogue(bytes, contracts));
  console.log(`${name}: ${mb(bytes.byteLength).toFixed(2)} MB`);
  console.log(`  libxml2-wasm, warm validator (parse + validate): ${(warm * 1000).toFixed(1)} ms = ${(mb(bytes.byteLength) / warm).toFixed(1)} MB/s`);
  console.log(`  validateAgainstCatalogue (same, plus schema lookup): ${(catalogue * 1000).toFixed(1)} ms = ${(mb(bytes.byteLength) / catalogue).toFixed(1)} MB/s`);
  if (lint) {
    const run = xmllint(file);
    console.log(`  xmllint --noout --schema, whole process: ${(run.wall * 1000).toFixed(1)} ms = ${(mb(bytes.byteLength) / run.wall).toFixed(1)} MB/s (schema compile ${(run.compile * 1000).toFixed(0)} ms of it)`);
    const net = run.net > 0 ? `${(run.net * 1000).toFixed(0)} ms = ${(mb(bytes.byteLength) / run.net).toFixed(1)} MB/s` : 'below 1 ms';
    console.log(`  xmllint parse + validate (its --timing):  ${net}`);
    console.log(`  ratio: xmllint whole / wasm warm = ${(run.wall / warm).toFixed(2)}; xmllint parse+validate / wasm warm = ${run.net > 0 ? (run.net / warm).toFixed(2) : 'n/a'} (>1: wasm faster)`);
  }
  console.log('');
}
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
await disposeXsdSchemas();
rmSync(work, { recursive: true, force: true });
