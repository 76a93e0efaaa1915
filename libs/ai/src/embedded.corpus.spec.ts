import { beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { contentTerms } from './german.tokeniser.js';
import { classifyText } from './keyword.classifier.js';
import { detectLanguage } from './language.detector.js';
import { splitSentences } from './sentence.splitter.js';
import { summariseText } from './textrank.summariser.js';

/**
 * The embedded algorithms on real German administrative text: the shared evaluation corpus (339
 * Satzungen, Verordnungen, Verwaltungsvorschriften in 9 domains; see its MANIFEST.md). It lives
 * outside the repository, next to the checkout.
 */
const CORPUS = fileURLToPath(new URL('../../../../shared/corpus/', import.meta.url));

interface CorpusDocument {
  path: string;
  label: string;
  title: string;
  text: string;
}

function loadCorpus(): CorpusDocument[] {
  const index = `${CORPUS}index.jsonl`;
  if (!existsSync(index)) throw new Error(`evaluation corpus not found at ${CORPUS} (expected index.jsonl there)`);
  return readFileSync(index, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Omit<CorpusDocument, 'text'>)
    .map((entry) => ({ ...entry, text: readFileSync(`${CORPUS}${entry.path}`, 'utf8') }));
}

const flat = (text: string) => text.replace(/\s+/g, ' ');
const share = (part: number, whole: number) => part / whole;

describe('embedded algorithms on the German corpus', () => {
  let corpus: CorpusDocument[];
  beforeAll(() => {
    corpus = loadCorpus();
  });

  it('has the corpus', () => {
    expect(corpus.length).toBeGreaterThan(300);
  });

  describe('detectLanguage', () => {
    it('answers German for German documents', () => {
      const documents = corpus.filter((document) => document.text.length > 200);
      const results = documents.map((document) => detectLanguage(document.text));
      const german = results.filter((result) => result.language === 'deu');
      // Measured: 339 of 339 (100 %), median confidence 0.91.
      expect(share(german.length, documents.length)).toBeGreaterThanOrEqual(0.95);
      const confidences = german.map((result) => result.confidence).sort((a, b) => a - b);
      expect(confidences[Math.floor(confidences.length / 2)]).toBeGreaterThan(0.8);
    });
  });

  describe('splitSentences', () => {
    /** Abbreviations that never end a sentence; a unit ending in one was cut in the wrong place. */
    const OPEN_ENDINGS = /(?:^|\s)(?:Abs|Nr|Art|Ziff|vgl|bzw|ggf|gem|z\. ?B|d\. ?h|i\. ?V\. ?m|Dr)\.$/;

    it('does not cut after "Abs.", "Nr.", "z. B." and other abbreviations', () => {
      const bad = corpus.flatMap((document) => splitSentences(document.text).filter((unit) => OPEN_ENDINGS.test(unit)));
      expect(bad).toEqual([]);
    });

    it('keeps "Abs. 2", "Nr. 5", "z. B." and "i. V. m." inside one unit wherever they occur', () => {
      let seen = 0;
      for (const document of corpus) {
        const units = splitSentences(document.text);
        for (const match of flat(document.text).matchAll(/(?:Abs\.|Nr\.) \d+|z\. ?B\. \S+|i\. ?V\. ?m\. \S+/g)) {
          seen++;
          expect(units.some((unit) => unit.includes(match[0]))).toBe(true);
        }
      }
      expect(seen).toBeGreaterThan(1000);
    });

    it('neither invents nor reorders text: every unit is a piece of the source', () => {
      for (const document of corpus) {
        const source = flat(document.text);
        let from = 0;
        for (const unit of splitSentences(document.text)) {
          const at = source.indexOf(unit, from);
          expect(at).toBeGreaterThanOrEqual(0);
          from = at + unit.length;
        }
      }
    });
  });

  describe('summariseText', () => {
    it('returns whole source sentences, in order, as many as asked', () => {
      for (const document of corpus) {
        const units = splitSentences(document.text);
        const result = summariseText(document.text, 3);
        expect(result.sentences).toHaveLength(Math.min(3, units.length));
        expect(new Set(result.sentenceIndexes).size).toBe(result.sentenceIndexes.length);
        expect(result.sentenceIndexes).toEqual([...result.sentenceIndexes].sort((a, b) => a - b));
        expect(result.sentences).toEqual(result.sentenceIndexes.map((index) => units[index]));
      }
    });

    it('is deterministic', () => {
      for (const document of corpus.slice(0, 40)) {
        expect(summariseText(document.text, 4)).toEqual(summariseText(document.text, 4));
      }
    });

    it("picks sentences with the document's central term, far more often than its first sentences do", () => {
      let documents = 0;
      let textRank = 0;
      let lead = 0;
      for (const document of corpus) {
        const units = splitSentences(document.text);
        if (units.length < 10) continue;
        documents++;
        const counts = new Map<string, number>();
        for (const term of contentTerms(document.text)) counts.set(term, (counts.get(term) ?? 0) + 1);
        const [central] = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]!;
        if (contentTerms(summariseText(document.text, 3).summary).includes(central)) textRank++;
        if (contentTerms(units.slice(0, 3).join(' ')).includes(central)) lead++;
      }
      // Measured on 338 documents: TextRank 0.91, the first three sentences 0.53.
      expect(share(textRank, documents)).toBeGreaterThanOrEqual(0.85);
      expect(share(textRank, documents) - share(lead, documents)).toBeGreaterThanOrEqual(0.25);
    });

    it('summarises a dog tax ordinance with dog tax sentences', () => {
      const document = corpus.find((entry) => entry.path === 'finanzen/rs-bbo-satzung-erhebung-hundesteuer.txt');
      expect(document).toBeDefined();
      const result = summariseText(document!.text, 3);
      for (const sentence of result.sentences) expect(sentence).toMatch(/Hund|Steuer/);
    });
  });

  describe('classifyText', () => {
    /** Keyword lists a clerk might write for the corpus domains; written once, not tuned to the corpus. */
    const LABELS: Record<string, string[]> = {
      bauen: ['bau', 'bebauungsplan', 'baugenehmigung', 'baulich', 'baugesetzbuch', 'baugb', 'sanierung', 'denkmal', 'stellplatz', 'erschließung', 'vorkaufsrecht', 'veränderungssperre', 'gutachterausschuss', 'bodenrichtwert', 'gebäude', 'wohnraum'],
      finanzen: ['steuer', 'gebühr', 'haushalt', 'abgabe', 'hebesatz', 'kasse', 'entgelt', 'vergabe', 'zahlung', 'fällig', 'schuldner'],
      ordnung: ['polizei', 'ordnungswidrig', 'feuerwehr', 'friedhof', 'bestattung', 'grab', 'markt', 'gaststätte', 'sperrzeit', 'gefahr', 'öffentliche sicherheit', 'plakat', 'streupflicht', 'gehweg', 'brandschutz', 'katastrophenschutz', 'einsatz'],
      schule_kultur: ['schule', 'schüler', 'bibliothek', 'bücherei', 'archiv', 'museum', 'kultur', 'sport', 'halle', 'unterricht', 'musik', 'freibad', 'veranstaltung', 'verein'],
      soziales: ['kind', 'kindergarten', 'kita', 'jugend', 'betreuung', 'sozial', 'senioren', 'obdachlos', 'flüchtling', 'unterkunft', 'integration', 'pflege', 'eltern', 'behinderung'],
      standesamt_meldewesen: ['personenstand', 'standesamt', 'melde', 'pass', 'personalausweis', 'eheschließung', 'ehegatte', 'geburt', 'namensänderung', 'familienname', 'lebenspartner', 'staatsangehörig', 'beurkundung', 'register'],
      umwelt: ['abwasser', 'wasser', 'abfall', 'müll', 'natur', 'umwelt', 'klima', 'lärm', 'wald', 'jagd', 'fischerei', 'immission', 'energie', 'baum', 'entsorgung', 'gewässer', 'landschaft'],
      verkehr: ['verkehr', 'straße', 'parken', 'parkgebühr', 'fahrzeug', 'bus', 'nahverkehr', 'beförderung', 'sondernutzung', 'radweg', 'fahrrad', 'parkplatz', 'haltestelle'],
      verwaltung: ['hauptsatzung', 'geschäftsordnung', 'gemeinderat', 'ausschuss', 'bekanntmachung', 'entschädigung', 'ehrenamt', 'sitzung', 'wahl', 'eigenbetrieb', 'verwaltung', 'zuständigkeit', 'statistik', 'verband'],
    };

    it('labels documents by keywords well above chance, and is surer where it is right', () => {
      const results = corpus.map((document) => ({ document, result: classifyText(document.text, LABELS, 'sonstiges') }));
      const correct = results.filter(({ document, result }) => result.label === document.label);
      const largestLabel = Math.max(...Object.keys(LABELS).map((label) => corpus.filter((document) => document.label === label).length));

      // Measured: 267 of 339 (0.79); always answering the largest label would get 0.17, guessing 0.11.
      const accuracy = share(correct.length, corpus.length);
      expect(accuracy).toBeGreaterThanOrEqual(0.7);
      expect(accuracy).toBeGreaterThan(3 * share(largestLabel, corpus.length));

      // Measured: 0.92 in the more confident half, 0.66 in the other.
      const byConfidence = [...results].sort((a, b) => b.result.confidence - a.result.confidence);
      const half = Math.floor(byConfidence.length / 2);
      const accuracyOf = (part: typeof results) => share(part.filter(({ document, result }) => result.label === document.label).length, part.length);
      expect(accuracyOf(byConfidence.slice(0, half))).toBeGreaterThan(accuracyOf(byConfidence.slice(half)) + 0.1);
    });
  });
});
