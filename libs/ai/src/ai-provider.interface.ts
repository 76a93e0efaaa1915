import type { AiTaskName, StepConfig, StepResult } from '@app/contracts';

/**
 * Something that performs AI steps: the embedded algorithms here, later trained models or remote
 * services. A step names its provider by `name`; the provider says which tasks it can do.
 */
export interface AiProvider {
  readonly name: string;
  readonly tasks: readonly AiTaskName[];
  /** Runs one step on the document's text. Fails with PermanentError for input it can never handle. */
  run(step: StepConfig, text: string): Promise<StepResult>;
}
