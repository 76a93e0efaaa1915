import { describe, expect, it } from '@jest/globals';
import { DigitalSourceType, PermanentError } from '@app/contracts';
import type { AiLabel, CanonicalDocument, StepResult } from '@app/contracts';
import { resolveWritebackMapping } from './writeback-mapping.resolver.js';
import type { WritebackContext, WritebackMapping } from './writeback-mapping.resolver.js';

const label: AiLabel = {
  aiGenerated: true,
  digitalSourceType: DigitalSourceType.algorithmicMedia,
  provider: 'embedded',
  model: 'extractive-summary-1',
  generatedAt: '2025-03-01T10:00:00.000Z',
  reviewState: 'unreviewed',
};

const document: CanonicalDocument = {
  id: 'doc-1',
  routeId: 'akten',
  channel: 'soap',
  kind: 'xml',
  contentType: 'application/xml',
  sizeBytes: 120,
  sha256: 'a'.repeat(64),
  receivedAt: '2025-03-01T09:59:00.000Z',
  xoev: { standard: 'xdomea', version: '3.0.0', namespace: 'urn:xoev-de:xdomea:schema:3.0.0', rootElement: 'Abgabe.Abgabe.0401', processId: 'P-42' },
};

const summary: StepResult = {
  step: 'kurz',
  task: 'summarise',
  output: { summary: 'Erster Satz. Zweiter Satz.', sentences: ['Erster Satz.', 'Zweiter Satz.'], sentenceIndexes: [0, 3] },
  label,
};

const context = (): WritebackContext => ({ document, results: { kurz: summary }, label, route: { id: 'akten' } });

describe('resolveWritebackMapping', () => {
  const cases: Array<{ name: string; mapping: WritebackMapping; expected: Record<string, unknown> }> = [
    { name: 'a document fact', mapping: { akte: 'document.id' }, expected: { akte: 'doc-1' } },
    { name: 'a nested XÖV fact', mapping: { vorgang: 'document.xoev.processId' }, expected: { vorgang: 'P-42' } },
    { name: 'a step output', mapping: { text: 'results.kurz.output.summary' }, expected: { text: 'Erster Satz. Zweiter Satz.' } },
    { name: 'an array element by index', mapping: { erster: 'results.kurz.output.sentences.0' }, expected: { erster: 'Erster Satz.' } },
    { name: 'the label', mapping: { modell: 'label.model' }, expected: { modell: 'extractive-summary-1' } },
    { name: 'the route', mapping: { route: 'route.id' }, expected: { route: 'akten' } },
    { name: 'a literal string', mapping: { quelle: { value: 'schnittstelle' } }, expected: { quelle: 'schnittstelle' } },
    { name: 'literal number and boolean', mapping: { n: { value: 3 }, ki: { value: true } }, expected: { n: 3, ki: true } },
    {
      name: 'dotted keys as nested objects',
      mapping: { 'aiLabel.provider': 'label.provider', 'aiLabel.model': 'label.model', 'aiLabel.flag': { value: true }, 'a.b.c': 'route.id' },
      expected: { aiLabel: { provider: 'embedded', model: 'extractive-summary-1', flag: true }, a: { b: { c: 'akten' } } },
    },
    { name: 'a whole object, copied', mapping: { label: 'label' }, expected: { label } },
    { name: 'a missing optional fact left out', mapping: { id: 'document.id', kennung: 'document.correlationId' }, expected: { id: 'doc-1' } },
    { name: 'a missing step left out', mapping: { text: 'results.nope.output.summary' }, expected: {} },
    { name: 'a path through a string left out', mapping: { x: 'document.id.length' }, expected: {} },
    { name: 'an inherited property left out', mapping: { x: 'document.toString', y: 'results.hasOwnProperty', z: 'label.valueOf' }, expected: {} },
    { name: 'a missing nested value leaves no empty parent', mapping: { 'meta.kennung': 'document.correlationId' }, expected: {} },
  ];

  it.each(cases)('resolves $name', ({ mapping, expected }) => {
    expect(resolveWritebackMapping(mapping, context())).toEqual(expected);
  });

  const refused: Array<{ name: string; mapping: WritebackMapping }> = [
    { name: '__proto__ in a path', mapping: { x: 'document.__proto__' } },
    { name: 'constructor in a path', mapping: { x: 'document.constructor.name' } },
    { name: 'prototype in a path', mapping: { x: 'results.kurz.prototype' } },
    { name: '__proto__ in a key', mapping: { '__proto__.polluted': 'route.id' } },
    { name: 'constructor in a key', mapping: { 'a.constructor': 'route.id' } },
    { name: 'an unknown root', mapping: { x: 'process.env.SECRET' } },
    { name: 'an empty path part', mapping: { x: 'document..id' } },
    { name: 'an empty key part', mapping: { 'a..b': 'route.id' } },
    { name: 'overlapping keys', mapping: { a: 'route.id', 'a.b': 'document.id' } },
    { name: 'overlapping keys, value missing', mapping: { 'a.b': 'route.id', a: 'document.correlationId' } },
    { name: 'a literal of another type', mapping: { x: { value: { nested: 1 } } as unknown as { value: string } } },
  ];

  it.each(refused)('refuses $name', ({ mapping }) => {
    expect(() => resolveWritebackMapping(mapping, context())).toThrow(PermanentError);
  });

  it('builds its argument object without touching Object.prototype', () => {
    const mapping = JSON.parse('{"__proto__": {"value": "x"}}') as WritebackMapping;
    expect(() => resolveWritebackMapping(mapping, context())).toThrow(PermanentError);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('hands out copies, so the stored results stay as they were', () => {
    const args = resolveWritebackMapping({ saetze: 'results.kurz.output.sentences' }, context());
    (args.saetze as string[]).push('Dritter Satz.');
    expect((summary.output as { sentences: string[] }).sentences).toHaveLength(2);
  });
});
