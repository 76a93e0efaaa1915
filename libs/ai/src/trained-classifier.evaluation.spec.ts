import { PermanentError } from '@app/contracts';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classificationReport, groupFolds, groupSplit, type GroupedItem } from './trained-classifier.evaluation.js';
import { corpusGroupOf, readLabelledExamples } from './trained-classifier.examples.js';

/** 40 items: per label a, b: 10 singleton groups and 5 pairs. */
const ITEMS: GroupedItem[] = ['a', 'b'].flatMap((label) => [
  ...Array.from({ length: 10 }, (_, i) => ({ label, group: `${label}-single-${i}` })),
  ...Array.from({ length: 10 }, (_, i) => ({ label, group: `${label}-pair-${Math.floor(i / 2)}` })),
]);

describe('groupSplit', () => {
  it('never puts one group on both sides', () => {
    const { train, test } = groupSplit(ITEMS);
    const testGroups = new Set(test.map((i) => ITEMS[i]!.group));
    expect(train.filter((i) => testGroups.has(ITEMS[i]!.group))).toEqual([]);
    expect([...train, ...test].sort((a, b) => a - b)).toEqual(ITEMS.map((_, i) => i));
  });

  it('takes about the test share of every label', () => {
    const { test } = groupSplit(ITEMS, { testShare: 0.25 });
    for (const label of ['a', 'b']) expect(test.filter((i) => ITEMS[i]!.label === label)).toHaveLength(5);
  });

  it('is deterministic; another salt gives another split', () => {
    expect(groupSplit(ITEMS)).toEqual(groupSplit(ITEMS));
    expect(groupSplit(ITEMS, { salt: 'x' }).test).not.toEqual(groupSplit(ITEMS).test);
  });

  it('keeps a label with a single group in training', () => {
    const items = [...ITEMS, { label: 'c', group: 'c-only' }, { label: 'c', group: 'c-only' }];
    const { test } = groupSplit(items);
    expect(test.some((i) => items[i]!.label === 'c')).toBe(false);
  });
});

describe('groupFolds', () => {
  it('deals whole groups to folds, every item once, labels spread evenly', () => {
    const folds = groupFolds(ITEMS, 4);
    expect(folds.flat().sort((a, b) => a - b)).toEqual(ITEMS.map((_, i) => i));
    for (const fold of folds) {
      const groups = new Set(fold.map((i) => ITEMS[i]!.group));
      for (const other of folds) if (other !== fold) expect(other.some((i) => groups.has(ITEMS[i]!.group))).toBe(false);
      for (const label of ['a', 'b']) expect(fold.filter((i) => ITEMS[i]!.label === label)).toHaveLength(5);
    }
  });
});

describe('classificationReport', () => {
  it('computes accuracy, per-label precision, recall, F1 and their macro mean', () => {
    const gold = ['a', 'a', 'a', 'b', 'b', 'c'];
    const predicted = ['a', 'a', 'b', 'b', 'c', 'c'];
    const report = classificationReport(gold, predicted);
    expect(report.accuracy).toBeCloseTo(4 / 6, 12);
    expect(report.perLabel['a']).toEqual({ precision: 1, recall: 2 / 3, f1: 0.8, support: 3 });
    expect(report.perLabel['b']!.f1).toBeCloseTo(0.5, 12);
    expect(report.perLabel['c']!.f1).toBeCloseTo(2 / 3, 12);
    expect(report.macroF1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
    expect(report.confusion['b']).toEqual({ b: 1, c: 1 });
  });

  it('counts a label never predicted right as F1 0', () => {
    expect(classificationReport(['a', 'b'], ['a', 'a']).perLabel['b']).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 });
  });
});

describe('corpusGroupOf', () => {
  it.each([
    [{ id: 'x', family: 'hundesteuer', source_path: 'a.md' }, 'family:hundesteuer'],
    [{ id: 'x', family: null, source_path: 'dir/a.md' }, 'source:dir/a.md'],
    [{ id: 'bgg-pstg-teil02', source_path: 'p/pstg/index.md' }, 'source:p/pstg/index.md'],
    [{ id: 'muster', source_path: 'vwv/BW_VWV_X.md [Anlage 2: Muster Antrag]' }, 'source:vwv/BW_VWV_X.md'],
    [{ id: 'x' }, 'id:x'],
  ])('%j -> %s', (entry, group) => {
    expect(corpusGroupOf(entry)).toBe(group);
  });
});

describe('readLabelledExamples', () => {
  let directory: string;
  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'examples-'));
    mkdirSync(join(directory, 'finanzen'));
    writeFileSync(join(directory, 'finanzen', 'a.txt'), 'Hundesteuer');
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  const write = (name: string, lines: string[]) => {
    const file = join(directory, name);
    writeFileSync(file, lines.join('\n'));
    return file;
  };

  it('reads text lines, path lines (relative to the file) and the corpus index format', () => {
    const file = write('ok.jsonl', [
      JSON.stringify({ text: 'Bauantrag', label: 'bauen' }),
      '',
      JSON.stringify({ id: 'rs-a', path: 'finanzen/a.txt', label: 'finanzen', family: 'hundesteuer', source_path: 'x.md' }),
    ]);
    expect(readLabelledExamples(file)).toEqual([
      { id: 'line 1', label: 'bauen', text: 'Bauantrag', group: 'id:line 1' },
      { id: 'rs-a', label: 'finanzen', text: 'Hundesteuer', group: 'family:hundesteuer' },
    ]);
  });

  it.each([
    ['not JSON', ['{'], /line 1: not JSON/],
    ['no label', [JSON.stringify({ text: 'x' })], /line 1: "label" must be a non-empty string/],
    ['neither text nor path', [JSON.stringify({ label: 'a' })], /line 1: needs "text" or "path"/],
    ['a missing file', [JSON.stringify({ label: 'a', text: 'x' }), JSON.stringify({ label: 'a', path: 'nope.txt' })], /line 2: cannot read "nope.txt"/],
  ])('refuses %s with a PermanentError naming the line', (name, lines, message) => {
    const file = write(`${name.replace(/\W/g, '-')}.jsonl`, lines);
    expect(() => readLabelledExamples(file)).toThrow(PermanentError);
    expect(() => readLabelledExamples(file)).toThrow(message);
  });
});
