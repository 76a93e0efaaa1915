import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { XmlDocument, XsdValidator } from 'libxml2-wasm';
import { DigitalSourceType, PermanentError } from '@app/contracts';
import type { AiLabel, CanonicalDocument, StepResult } from '@app/contracts';
import { RESULT_NAMESPACE, renderResultXml } from './result-xml.renderer.js';

const XSD_URL = new URL('../../../contracts/schnittstelle/v1/result.xsd', import.meta.url);
const ns = { r: RESULT_NAMESPACE };

/** Text that breaks naive XML: markup characters, entities, umlauts, both quotes, a control character XML cannot hold. */
const TRICKY = `Bauantrag <Müller & Söhne> "Straße" 'Öl' ß ]]> &amp; \u000C Ende`;

const label = (overrides: Partial<AiLabel> = {}): AiLabel => ({
  aiGenerated: true,
  digitalSourceType: DigitalSourceType.trainedAlgorithmicMedia,
  provider: `anbieter "ä" & <co>`,
  model: "modell-'1'",
  generatedAt: '2025-03-01T10:00:00.000Z',
  reviewState: 'unreviewed',
  ...overrides,
});

const document: CanonicalDocument = {
  id: 'doc-1 & <2>',
  routeId: 'akten',
  correlationId: `Vorgang "Ä" & 'B'`,
  channel: 'folder',
  kind: 'xml',
  contentType: 'application/xml',
  filename: 'Antrag <Müller> & "Söhne".xml',
  sizeBytes: 120,
  sha256: 'ab'.repeat(32),
  receivedAt: '2025-03-01T09:59:00.000Z',
  xoev: {
    standard: 'xdomea',
    version: '3.0.0',
    namespace: 'urn:xoev-de:xdomea:schema:3.0.0',
    rootElement: 'Abgabe.Abgabe.0401',
    messageTypeCode: '0401',
    processId: 'P<42>&',
  },
};

const language: StepResult = { step: 'sprache', task: 'detect-language', output: { language: 'deu', confidence: 0.9312345678 }, label: label() };

const summary: StepResult = {
  step: 'kurz',
  task: 'summarise',
  output: { summary: `${TRICKY}\r\nZweite Zeile.`, sentences: [TRICKY, 'Zweite Zeile.'], sentenceIndexes: [0, 7] },
  label: label({ digitalSourceType: DigitalSourceType.algorithmicMedia, provider: 'embedded', reviewState: 'edited' }),
};

const classification: StepResult = {
  step: 'thema',
  task: 'classify',
  output: { label: 'bauen', confidence: 1, scores: { bauen: 0.75, 'finanzen & <steuer>': 0.0000001, sonstiges: 0 } },
  label: label({ digitalSourceType: DigitalSourceType.compositeWithTrainedAlgorithmicMedia, reviewState: 'approved' }),
};

describe('renderResultXml', () => {
  let schemaDoc: XmlDocument;
  let validator: XsdValidator;

  beforeAll(async () => {
    schemaDoc = XmlDocument.fromString(await readFile(XSD_URL, 'utf8'), { url: XSD_URL.href });
    validator = XsdValidator.fromDoc(schemaDoc);
  });

  afterAll(() => {
    validator?.dispose();
    schemaDoc?.dispose();
  });

  /** Parses, validates against result.xsd and hands the document to `check`; always disposes. */
  function validated(xml: string, check: (doc: XmlDocument) => void = () => undefined): void {
    const doc = XmlDocument.fromString(xml);
    try {
      validator.validate(doc);
      check(doc);
    } finally {
      doc.dispose();
    }
  }

  const textOf = (doc: XmlDocument, xpath: string) => doc.get(xpath, ns)?.content;

  const render = (results: StepResult[], doc: CanonicalDocument = document) =>
    renderResultXml({ document: doc, results, routeId: 'akten', writtenAt: '2025-03-01T10:00:01.000Z' });

  it('starts with a UTF-8 declaration and uses the result namespace', () => {
    const xml = render([language]);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<Result xmlns="urn:schnittstelle:result:v1"')).toBe(true);
  });

  it('renders the document facts, escaped, and valid', () => {
    validated(render([language]), (doc) => {
      expect(textOf(doc, '/r:Result/@routeId')).toBe('akten');
      expect(textOf(doc, '/r:Result/@writtenAt')).toBe('2025-03-01T10:00:01.000Z');
      expect(textOf(doc, '/r:Result/r:Document/r:Id')).toBe('doc-1 & <2>');
      expect(textOf(doc, '/r:Result/r:Document/r:CorrelationId')).toBe(`Vorgang "Ä" & 'B'`);
      expect(textOf(doc, '/r:Result/r:Document/r:Filename')).toBe('Antrag <Müller> & "Söhne".xml');
      expect(textOf(doc, '/r:Result/r:Document/r:Xoev/r:MessageTypeCode')).toBe('0401');
      expect(textOf(doc, '/r:Result/r:Document/r:Xoev/r:ProcessId')).toBe('P<42>&');
    });
  });

  it('leaves out what the document does not have', () => {
    const plain: CanonicalDocument = { ...document, correlationId: undefined, filename: undefined, xoev: undefined, channel: 'rest', kind: 'text' };
    validated(render([language], plain), (doc) => {
      expect(doc.get('//r:CorrelationId', ns)).toBeNull();
      expect(doc.get('//r:Filename', ns)).toBeNull();
      expect(doc.get('//r:Xoev', ns)).toBeNull();
    });
    const noOptionalHeader: CanonicalDocument = { ...document, xoev: { ...document.xoev!, messageTypeCode: undefined, processId: undefined } };
    validated(render([language], noOptionalHeader));
  });

  it('renders a language result with its label', () => {
    validated(render([language]), (doc) => {
      expect(textOf(doc, '//r:Step/@id')).toBe('sprache');
      expect(textOf(doc, '//r:Step/@task')).toBe('detect-language');
      expect(textOf(doc, '//r:Step/r:AiLabel/@aiGenerated')).toBe('true');
      expect(textOf(doc, '//r:AiLabel/r:DigitalSourceType')).toBe('http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia');
      expect(textOf(doc, '//r:AiLabel/r:Provider')).toBe('anbieter "ä" & <co>');
      expect(textOf(doc, '//r:AiLabel/r:Model')).toBe("modell-'1'");
      expect(textOf(doc, '//r:AiLabel/r:ReviewState')).toBe('unreviewed');
      expect(textOf(doc, '//r:Output/r:Language/r:Code')).toBe('deu');
      expect(textOf(doc, '//r:Output/r:Language/r:Confidence')).toBe('0.931235');
    });
  });

  it('renders a summary with escaped text and indexed sentences', () => {
    validated(render([summary]), (doc) => {
      const expected = TRICKY.replace('\u000C', '');
      expect(textOf(doc, '//r:Summary/r:Text')).toBe(`${expected}\r\nZweite Zeile.`);
      const sentences = doc.find('//r:Summary/r:Sentence', ns);
      expect(sentences.map((s) => s.content)).toEqual([expected, 'Zweite Zeile.']);
      expect(doc.find('//r:Summary/r:Sentence/@index', ns).map((a) => a.content)).toEqual(['0', '7']);
      expect(textOf(doc, '//r:AiLabel/r:ReviewState')).toBe('edited');
    });
  });

  it('renders a classification with its scores as plain decimals', () => {
    validated(render([classification]), (doc) => {
      expect(textOf(doc, '//r:Classification/r:Label')).toBe('bauen');
      expect(textOf(doc, '//r:Classification/r:Confidence')).toBe('1');
      expect(doc.find('//r:Classification/r:Score/@label', ns).map((a) => a.content)).toEqual(['bauen', 'finanzen & <steuer>', 'sonstiges']);
      expect(doc.find('//r:Classification/r:Score', ns).map((s) => s.content)).toEqual(['0.75', '0', '0']);
    });
  });

  it('renders a model translation with the prompt template on its label', () => {
    const translation: StepResult = {
      step: 'uebersetzung',
      task: 'translate',
      output: { translation: `Dear ${TRICKY}`, sourceLanguage: 'deu', targetLanguage: 'ukr' },
      label: label({ promptTemplate: { id: 'translate-de', version: 2 } }),
    };
    validated(render([translation]), (doc) => {
      expect(textOf(doc, '//r:Step/@task')).toBe('translate');
      expect(textOf(doc, '//r:Translation/r:SourceLanguage')).toBe('deu');
      expect(textOf(doc, '//r:Translation/r:TargetLanguage')).toBe('ukr');
      expect(textOf(doc, '//r:Translation/r:Text')).toBe(`Dear ${TRICKY.replace('\u000C', '')}`);
      expect(textOf(doc, '//r:AiLabel/r:PromptTemplate/@id')).toBe('translate-de');
      expect(textOf(doc, '//r:AiLabel/r:PromptTemplate/@version')).toBe('2');
    });
  });

  it('renders extracted fields with their JSON types', () => {
    const extraction: StepResult = {
      step: 'felder',
      task: 'extract',
      output: { fields: { name: 'Müller & <Söhne>', betrag: 120.5, eilig: false, frist: null, anlagen: ['a', 'b'] } },
      label: label({ promptTemplate: { id: 'extract-de', version: 1 } }),
    };
    validated(render([extraction]), (doc) => {
      expect(doc.find('//r:Extraction/r:Field/@name', ns).map((a) => a.content)).toEqual(['name', 'betrag', 'eilig', 'frist', 'anlagen']);
      expect(doc.find('//r:Extraction/r:Field/@type', ns).map((a) => a.content)).toEqual(['string', 'number', 'boolean', 'null', 'json']);
      expect(doc.find('//r:Extraction/r:Field', ns).map((f) => f.content)).toEqual(['Müller & <Söhne>', '120.5', 'false', '', '["a","b"]']);
    });
    expect(() => render([{ ...extraction, output: { fields: [] } as never }])).toThrow(PermanentError);
  });

  it('renders all steps of a route in order, and no steps at all', () => {
    validated(render([language, summary, classification]), (doc) => {
      expect(doc.find('/r:Result/r:Step/@id', ns).map((a) => a.content)).toEqual(['sprache', 'kurz', 'thema']);
    });
    validated(render([]));
  });

  it('refuses output that does not fit its task', () => {
    const wrong: StepResult = { ...summary, output: language.output };
    expect(() => render([wrong])).toThrow(PermanentError);
    const uneven: StepResult = { ...summary, output: { summary: 's', sentences: ['a', 'b'], sentenceIndexes: [0] } };
    expect(() => render([uneven])).toThrow(PermanentError);
    const notANumber: StepResult = { ...language, output: { language: 'deu', confidence: Number.NaN } };
    expect(() => render([notANumber])).toThrow(PermanentError);
  });

  it('has a schema that really rejects what it should', () => {
    const xml = render([language]);
    const cases: Array<[string, RegExp]> = [
      [xml.replace('<AiLabel aiGenerated="true">', '<AiLabel aiGenerated="false">'), /fixed value constraint/],
      [xml.replace('http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia', 'https://example.org/ai'), /DigitalSourceType.*pattern/],
      [xml.replace('<Code>deu</Code>', '<Code>deutsch</Code>'), /Code.*pattern/],
      [xml.replace('<Confidence>0.931235</Confidence>', '<Confidence>1.5</Confidence>'), /maxInclusive/],
      [xml.replace(/<AiLabel[\s\S]*<\/AiLabel>/, ''), /Expected is \( \{urn:schnittstelle:result:v1\}AiLabel \)/],
      [render([language, language]), /UniqueStepId/],
    ];
    for (const [invalid, reason] of cases) {
      expect(invalid).not.toBe(xml);
      expect(() => validated(invalid)).toThrow(reason);
    }
  });
});
