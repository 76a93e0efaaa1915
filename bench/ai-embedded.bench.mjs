// Embedded AI throughput: summarise (TextRank), classify (keywords) and detect-language through
// EmbeddedProvider, and the trained TF-IDF classifier (trained here on the shared corpus), on German
// documents of about 1, 10 and 100 pages (3000 characters a page) built from the texts of the shared
// corpus. The bare baseline is one pass of the word tokeniser's regular expression over the same text,
// measured in the same run; sentence splitting alone is shown beside it as a second reference.
// Run after `npm run build`:  node bench/ai-embedded.bench.mjs [--docs 9] [--min-ms 300]
// Figures per size are the median over the documents of each document's median time (after a warm-up);
// MB are 10^6 bytes of UTF-8.
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { dist, requireBuilt, root } from './support/built.mjs';
import { median } from './support/http-load.mjs';

requireBuilt('libs/ai/src/index.js');
const built = dist('libs/ai/src/index.js');
const { EmbeddedProvider, splitSentences, trainClassifier, readLabelledExamples } = await import(built);

const { values: args } = parseArgs({
  options: {
    docs: { type: 'string', default: '9' },
    'min-ms': { type: 'string', default: '300' },
  },
});
const DOCS_PER_SIZE = Number(args.docs);
const MIN_MS = Number(args['min-ms']);
const PAGE_CHARS = 3000;
const PAGES = [1, 10, 100];

const corpusIndex = path.resolve(root, '../shared/corpus/index.jsonl');
if (!existsSync(corpusIndex)) {
  console.error(`${corpusIndex} is missing: the shared corpus is needed for German text.`);
  process.exit(2);
}

// ---- documents: corpus texts in index order, concatenated from a different start per document ----
const texts = readFileSync(corpusIndex, 'utf8')
  .split('\n')
  .filter((line) => line.trim())
  .map((line) => JSON.parse(line))
  .map((entry) => readFileSync(path.resolve(path.dirname(corpusIndex), entry.path), 'utf8').trim());
const corpusChars = texts.reduce((sum, t) => sum + t.length, 0);

/** About `chars` characters of German text, cut at a word boundary, starting at corpus text `start`. */
function documentOf(chars, start) {
  let text = '';
  for (let i = start; text.length < chars; i = (i + 1) % texts.length) text += (text ? '\n\n' : '') + texts[i];
  const cut = text.lastIndexOf(' ', chars);
  return text.slice(0, cut > chars * 0.9 ? cut : chars);
}

const documents = PAGES.map((pages) => ({
  pages,
  docs: Array.from({ length: pages === 100 ? Math.min(DOCS_PER_SIZE, 5) : DOCS_PER_SIZE }, (_, k) =>
    documentOf(pages * PAGE_CHARS, Math.floor((k * texts.length) / DOCS_PER_SIZE)),
  ),
}));

// ---- what is measured ----
const provider = new EmbeddedProvider({ now: () => new Date(0) });
const SUMMARISE = { id: 'kurz', task: 'summarise', provider: 'embedded', sentences: 3 };
const CLASSIFY = {
  id: 'thema',
  task: 'classify',
  provider: 'embedded',
  fallbackLabel: 'sonstiges',
  labels: {
    bauen: ['bauantrag', 'bebauungsplan', 'baugenehmigung', 'gebäude', 'bauordnung'],
    finanzen: ['steuer', 'gebühr', 'haushalt', 'abgabe', 'beitrag'],
    ordnung: ['ordnungswidrigkeit', 'sicherheit', 'polizei', 'gefahr', 'sperrzeit'],
    schule_kultur: ['schule', 'bibliothek', 'museum', 'musikschule', 'kultur'],
    soziales: ['sozialhilfe', 'kindertagesstätte', 'pflege', 'jugend', 'unterkunft'],
    standesamt_meldewesen: ['standesamt', 'melderegister', 'eheschließung', 'personenstand', 'meldebehörde'],
    umwelt: ['abwasser', 'abfall', 'naturschutz', 'baum', 'wasser'],
    verkehr: ['straße', 'parken', 'verkehr', 'sondernutzung', 'fahrzeug'],
    verwaltung: ['hauptsatzung', 'gemeinderat', 'ausschuss', 'geschäftsordnung', 'entschädigung'],
  },
};
const LANGUAGE = { id: 'sprache', task: 'detect-language', provider: 'embedded' };

const WORD = /\p{L}[\p{L}\p{N}]*/gu;
let sink = 0; // keeps results alive so no pass is optimised away

const trainStart = performance.now();
const examples = readLabelledExamples(corpusIndex);
const model = trainClassifier(examples);
const trainMs = performance.now() - trainStart;

const cases = [
  { name: 'bare pass: word regex (baseline)', run: (text) => (sink += (text.match(WORD) ?? []).length) },
  { name: 'bare pass: splitSentences', run: (text) => (sink += splitSentences(text).length) },
  { name: 'summarise (embedded TextRank, 3 sentences)', run: async (text) => (sink += (await provider.run(SUMMARISE, text)).output.sentences.length) },
  { name: 'classify (embedded keywords, 9 labels)', run: async (text) => (sink += (await provider.run(CLASSIFY, text)).output.confidence) },
  { name: 'detect-language (embedded franc-min)', run: async (text) => (sink += (await provider.run(LANGUAGE, text)).output.confidence) },
  { name: 'trained classifier predict (TF-IDF + softmax)', run: (text) => (sink += model.predict(text).confidence) },
];

/** Median seconds of one call on `text`: one warm-up call, then at least 3 calls and at least MIN_MS in all. */
async function secondsPerCall(run, text) {
  await run(text);
  const times = [];
  const started = performance.now();
  while (times.length < 3 || performance.now() - started < MIN_MS) {
    const t0 = performance.now();
    await run(text);
    times.push((performance.now() - t0) / 1000);
    if (times.length >= 1000) break;
  }
  return median(times);
}

console.log(`node ${process.version}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores; corpus ${texts.length} texts, ${(corpusChars / 1e6).toFixed(2)} M characters; pages of ${PAGE_CHARS} characters`);
console.log(`trained classifier: ${examples.length} corpus examples, ${model.featureCount} features, trained in ${(trainMs / 1000).toFixed(1)} s (not part of the figures)`);
console.log('');

for (const { pages, docs } of documents) {
  const bytes = median(docs.map((d) => Buffer.byteLength(d, 'utf8')));
  console.log(`${pages} page${pages === 1 ? '' : 's'}: ${docs.length} documents, median ${(bytes / 1000).toFixed(0)} kB`);
  let baseline;
  for (const { name, run } of cases) {
    const perDoc = [];
    const mbPerS = [];
    for (const doc of docs) {
      const s = await secondsPerCall(run, doc);
      perDoc.push(s);
      mbPerS.push(Buffer.byteLength(doc, 'utf8') / 1e6 / s);
    }
    const s = median(perDoc);
    baseline ??= s;
    const ratio = s / baseline;
    console.log(
      `  ${name.padEnd(46)} ${(1 / s).toFixed(1).padStart(9)} docs/s ${median(mbPerS).toFixed(2).padStart(8)} MB/s ${(s * 1000).toFixed(2).padStart(9)} ms/doc` +
        (ratio === 1 ? '' : `   ${ratio.toFixed(ratio < 10 ? 1 : 0).padStart(5)}x the bare pass`),
    );
  }
  console.log('');
}
if (!Number.isFinite(sink)) throw new Error('a pass answered nonsense');
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
