import { PermanentError } from '@app/contracts';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { TrainingExample } from './trained-classifier.trainer.js';

/**
 * Labelled examples from a JSONL file, one JSON object a line:
 *
 *   {"text": "…", "label": "finanzen"}
 *   {"path": "finanzen/hundesteuer.txt", "label": "finanzen"}      path relative to the JSONL file
 *
 * The corpus index format (`id`, `label`, `path`, `family`, `source_path`, …) is read the same way; its
 * `family` and `source_path` give the group used to split train and test (see `corpusGroupOf`).
 */
export interface LabelledExample extends TrainingExample {
  /** `id` of the line if it has one, else its line number ("line 12"). */
  id: string;
  /** Examples of one group are near-duplicates and stay on one side of a split. */
  group: string;
}

interface ExampleLine {
  id?: unknown;
  label?: unknown;
  text?: unknown;
  path?: unknown;
  family?: unknown;
  source_path?: unknown;
}

/**
 * The group of a corpus entry: its `family` when it has one (near-duplicate model ordinances); else its
 * source file, so that the chunks of one law and the annex forms of one regulation (source paths
 * "<file> [Anlage …]") stay together; else the entry itself.
 */
export function corpusGroupOf(entry: { id: string; family?: unknown; source_path?: unknown }): string {
  if (typeof entry.family === 'string' && entry.family) return `family:${entry.family}`;
  if (typeof entry.source_path === 'string' && entry.source_path) return `source:${entry.source_path.replace(/\s*\[[^\]]*\]$/, '')}`;
  return `id:${entry.id}`;
}

/** Reads a JSONL file of labelled examples; a bad line is a PermanentError naming the file and line. */
export function readLabelledExamples(file: string): LabelledExample[] {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (error) {
    throw new PermanentError(`examples file ${file} cannot be read: ${(error as Error).message}`, 'invalid-training-data', { cause: error });
  }
  const base = dirname(resolve(file));
  const examples: LabelledExample[] = [];
  content.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!line) return;
    const where = `${file} line ${index + 1}`;
    let entry: ExampleLine;
    try {
      entry = JSON.parse(line) as ExampleLine;
    } catch {
      throw new PermanentError(`${where}: not JSON`, 'invalid-training-data');
    }
    if (typeof entry !== 'object' || entry === null) throw new PermanentError(`${where}: expected a JSON object`, 'invalid-training-data');
    if (typeof entry.label !== 'string' || !entry.label) throw new PermanentError(`${where}: "label" must be a non-empty string`, 'invalid-training-data');
    let text: string;
    if (typeof entry.text === 'string') {
      text = entry.text;
    } else if (typeof entry.path === 'string') {
      try {
        text = readFileSync(resolve(base, entry.path), 'utf8');
      } catch (error) {
        throw new PermanentError(`${where}: cannot read "${entry.path}": ${(error as Error).message}`, 'invalid-training-data', { cause: error });
      }
    } else {
      throw new PermanentError(`${where}: needs "text" or "path"`, 'invalid-training-data');
    }
    const id = typeof entry.id === 'string' && entry.id ? entry.id : `line ${index + 1}`;
    examples.push({ id, label: entry.label, text, group: corpusGroupOf({ ...entry, id }) });
  });
  return examples;
}
