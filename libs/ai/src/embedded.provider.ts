import {
  type AiLabel,
  type AiTaskName,
  DigitalSourceType,
  PermanentError,
  type StepConfig,
  type StepResult,
  type TaskOutput,
} from '@app/contracts';
import type { AiProvider } from './ai-provider.interface.js';
import { classifyText } from './keyword.classifier.js';
import { detectLanguage } from './language.detector.js';
import { summariseText } from './textrank.summariser.js';

export const EMBEDDED_PROVIDER_NAME = 'embedded';

/** Model names written into the AI label; bump the version when an algorithm changes its answers. */
export const EMBEDDED_MODELS = {
  'detect-language': 'franc-min/6',
  summarise: 'embedded-textrank-de/1',
  classify: 'embedded-keywords/1',
} as const satisfies Record<AiTaskName, string>;

export interface EmbeddedProviderOptions {
  /** Clock for `generatedAt`; tests pass a fixed one. */
  now?: () => Date;
}

/**
 * The in-process provider: language detection, extractive summary and keyword classification, all
 * deterministic and without network. Its outputs are labelled as algorithmic (not trained) media.
 */
export class EmbeddedProvider implements AiProvider {
  readonly name = EMBEDDED_PROVIDER_NAME;
  readonly tasks: readonly AiTaskName[] = ['detect-language', 'summarise', 'classify'];
  private readonly now: () => Date;

  constructor(options: EmbeddedProviderOptions = {}) {
    this.now = options.now ?? (() => new Date());
  }

  async run(step: StepConfig, text: string): Promise<StepResult> {
    if (!text.trim()) {
      throw new PermanentError(`step "${step.id}" (${step.task}): the document has no text`, 'empty-text');
    }
    return { step: step.id, task: step.task, output: this.perform(step, text), label: this.label(step.task) };
  }

  private perform(step: StepConfig, text: string): TaskOutput {
    switch (step.task) {
      case 'detect-language':
        return detectLanguage(text);
      case 'summarise':
        // The route schema already bounds this; a step built by hand may not be.
        if (!Number.isInteger(step.sentences) || step.sentences < 1) {
          throw new PermanentError(`step "${step.id}": sentences must be a positive integer`, 'invalid-step');
        }
        return summariseText(text, step.sentences);
      case 'classify':
        return classifyText(text, step.labels, step.fallbackLabel);
      default: {
        const task = (step as { task: string }).task;
        throw new PermanentError(`provider "${this.name}" does not do task "${task}"`, 'unsupported-task');
      }
    }
  }

  private label(task: AiTaskName): AiLabel {
    return {
      aiGenerated: true,
      digitalSourceType: DigitalSourceType.algorithmicMedia,
      provider: this.name,
      model: EMBEDDED_MODELS[task],
      generatedAt: this.now().toISOString(),
      reviewState: 'unreviewed',
    };
  }
}
