import type { AiLabel } from './ai-label.types.js';

export type AiTaskName = 'detect-language' | 'summarise' | 'classify' | 'translate' | 'extract';

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

export interface TranslationOutput {
  translation: string;
  /** ISO 639-3 codes. */
  sourceLanguage: string;
  targetLanguage: string;
}

export interface ExtractionOutput {
  /** The extracted fields, valid against the step's schema. */
  fields: Record<string, unknown>;
}

export type TaskOutput = LanguageOutput | SummaryOutput | ClassificationOutput | TranslationOutput | ExtractionOutput;

/** A provider of the step's chain that was tried before the one that produced the result, and why it did not. */
export interface ProviderFallback {
  provider: string;
  code: string;
}

/** Tokens a model provider reported for the step (all attempts together); counted against the route's budget. */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface StepResult {
  step: string;
  task: AiTaskName;
  output: TaskOutput;
  label: AiLabel;
  /** Set when earlier providers of the step's chain failed with retryable errors. */
  fallbackFrom?: ProviderFallback[];
  usage?: TokenUsage;
}

/** What the write-back did for one document, so it never does it twice. */
export interface WritebackRecord {
  target: string;
  state: 'done';
  at: string;
  /** Where it went: a file path or an endpoint and operation. */
  location: string;
}
