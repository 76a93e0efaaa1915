import type { AiLabel } from './ai-label.types.js';

export type AiTaskName = 'detect-language' | 'summarise' | 'classify';

export interface LanguageOutput {
  /** ISO 639-3 code, `und` when undetermined. */
  language: string;
  confidence: number;
}

export interface SummaryOutput {
  summary: string;
  sentences: string[];
  /** Indexes of the chosen sentences in the source, ascending. */
  sentenceIndexes: number[];
}

export interface ClassificationOutput {
  label: string;
  confidence: number;
  scores: Record<string, number>;
}

export type TaskOutput = LanguageOutput | SummaryOutput | ClassificationOutput;

export interface StepResult {
  step: string;
  task: AiTaskName;
  output: TaskOutput;
  label: AiLabel;
}

/** What the write-back did for one document, so it never does it twice. */
export interface WritebackRecord {
  target: string;
  state: 'done';
  at: string;
  /** Where it went: a file path or an endpoint and operation. */
  location: string;
}
