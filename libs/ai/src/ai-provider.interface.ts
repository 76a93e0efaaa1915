import type { AiTaskName, StepConfig, StepResult, TaskOutput } from '@app/contracts';

/**
 * How sensitive the text of a route is, from least to most:
 * - `public`: published or publishable (Satzungen, Bekanntmachungen),
 * - `internal`: administration-internal, no personal data (VS-NfD-like working papers),
 * - `personal`: personal data in the sense of Art. 4 Nr. 1 DSGVO,
 * - `special-category`: special categories of personal data, Art. 9 DSGVO (health, religion, ...).
 */
export type DataClass = 'public' | 'internal' | 'personal' | 'special-category';
export const DATA_CLASSES = ['public', 'internal', 'personal', 'special-category'] as const satisfies readonly DataClass[];

/**
 * Where a provider processes text: in this installation's own operation (`on-premises`, including the
 * municipality's own data centre or its municipal IT service provider under its control), in the EU/EEA
 * (`eu`), or anywhere else (`third-country`, also an EU provider whose processing may reach one).
 */
export type ProviderLocation = 'on-premises' | 'eu' | 'third-country';
export const PROVIDER_LOCATIONS = ['on-premises', 'eu', 'third-country'] as const satisfies readonly ProviderLocation[];

/** What the data-protection policy needs to know about a provider. */
export interface ProviderProfile {
  readonly location: ProviderLocation;
  /** Who runs it: "this installation", "Kommunales Rechenzentrum Musterland", "Example AI Ltd." */
  readonly operator: string;
  /**
   * Reference to the data-processing agreement (Auftragsverarbeitungsvertrag, Art. 28 DSGVO) with the
   * operator, e.g. a contract number. Not needed on-premises; off-premises the policy wants it for every
   * data class but `public`.
   */
  readonly dataProcessingAgreement?: string;
  /** The data classes the operator's agreement and set-up allow this provider to see. */
  readonly dataClasses: readonly DataClass[];
}

/** The contracts' names, kept short for libs/ai. */
export type AiTask = AiTaskName;
export type AiStepConfig = StepConfig;
export type AiTaskOutput = TaskOutput;
export type AiStepResult = StepResult;

/** What a provider tells `onProgress` while a call is under way. */
export interface AiProgress {
  provider: string;
  step: string;
  /** HTTP attempt, from 1. */
  attempt: number;
  /** Waiting for the answer, or waiting before the next attempt (rate limit, server error, timeout). */
  phase: 'waiting-for-answer' | 'backing-off';
  elapsedMs: number;
}

export interface AiRunOptions {
  /** Aborts the call for real (the HTTP request is cancelled); the run fails with a RetryableError `aborted`. */
  signal?: AbortSignal;
  /**
   * Called periodically while a long call waits for an answer or between attempts (every `heartbeatMs` of
   * the provider; never twice at once), so the caller can keep its job alive. In a BullMQ processor
   * (`process(job, token)`), extend the lock and stop when it is gone (extendLock answers 0 then):
   *
   * ```ts
   * await ai.run(step, text, {
   *   dataClass: route.dataClass,
   *   onProgress: async () => {
   *     if (!(await job.extendLock(token!, 60_000))) throw new Error(`lock of job ${job.id} is lost`);
   *   },
   * });
   * ```
   *
   * BullMQ's worker also renews locks by itself while the event loop runs; this callback is for longer
   * locks, for progress reports (`job.updateProgress`) and for noticing a lost lock. If it throws or
   * rejects, the HTTP request is cancelled and the run fails with RetryableError `heartbeat-failed`: a
   * lost lock means another worker may already run the job. No other provider of the chain is tried then.
   */
  onProgress?: (progress: AiProgress) => void | Promise<void>;
}

/**
 * Something that performs AI steps: the embedded algorithms here, trained models or remote services.
 * A step names its provider by `name`; the provider says which tasks it can do and, for the
 * data-protection policy, where it runs, who operates it and which data classes it may see. A
 * provider that leaves the profile out (like the embedded one, whose profile the registry knows) gets
 * one at registration, or is refused by the policy for every data class.
 */
export interface AiProvider extends Partial<ProviderProfile> {
  readonly name: string;
  readonly tasks: readonly AiTask[];
  /**
   * Runs one step on the document's text. Fails with PermanentError for input it can never handle,
   * with RetryableError for what may pass later (timeouts, an unavailable service).
   */
  run(step: AiStepConfig, text: string, options?: AiRunOptions): Promise<AiStepResult>;
}
