import {
  type AiLabel,
  type AiTaskName,
  DigitalSourceType,
  EMBEDDED_PROVIDER,
  EMBEDDED_TASKS,
  PermanentError,
  type StepConfig,
  type StepResult,
  type TaskOutput,
} from '@app/contracts';
import { statSync } from 'node:fs';
import type { AiProvider } from './ai-provider.interface.js';
import { ClassifierModel } from './classifier-model.format.js';
import { classifyText } from './keyword.classifier.js';
import { detectLanguage } from './language.detector.js';
import { summariseText } from './textrank.summariser.js';

/** Model names written into the AI label; bump the version when an algorithm changes its answers. */
export const EMBEDDED_MODELS = {
  'detect-language': 'franc-min/6',
  summarise: 'embedded-textrank-de/1',
  classify: 'embedded-keywords/1',
} as const satisfies Partial<Record<AiTaskName, string>>;

type EmbeddedTask = keyof typeof EMBEDDED_MODELS;

export interface EmbeddedProviderOptions {
  /** Clock for `generatedAt`; tests pass a fixed one. */
  now?: () => Date;
}

/**
 * The in-process provider: language detection, extractive summary, keyword classification and, for a
 * classify step with `model`, the trained classifier of that model file; deterministic and without network.
 * Algorithm outputs are labelled algorithmic media, the trained classifier's trained algorithmic media.
 * It cannot translate or answer freely: routes needing that must name a model provider.
 */
export class EmbeddedProvider implements AiProvider {
  readonly name = EMBEDDED_PROVIDER;
  readonly tasks: readonly AiTaskName[] = EMBEDDED_TASKS;
  private readonly now: () => Date;
  /** Model files by absolute path, reloaded when the file changes (a retrained model needs no restart). */
  private readonly models = new Map<string, { mtimeMs: number; model: ClassifierModel }>();

  constructor(options: EmbeddedProviderOptions = {}) {
    this.now = options.now ?? (() => new Date());
  }

  async run(step: StepConfig, text: string): Promise<StepResult> {
    if (!text.trim()) {
      throw new PermanentError(`step "${step.id}" (${step.task}): the document has no text`, 'empty-text');
    }
    if (step.task === 'classify' && step.model !== undefined) {
      const model = this.model(step.model);
      return { step: step.id, task: step.task, output: model.predict(text), label: this.label(DigitalSourceType.trainedAlgorithmicMedia, model.modelName) };
    }
    return { step: step.id, task: step.task, output: this.perform(step, text), label: this.label(DigitalSourceType.algorithmicMedia, EMBEDDED_MODELS[step.task as EmbeddedTask]) };
  }

  /** Loads (or reloads, when changed on disk) a classifier model file; throws PermanentError `invalid-model`. */
  model(path: string): ClassifierModel {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(path).mtimeMs;
    } catch {
      throw new PermanentError(`classifier model ${path} does not exist; build it with \`npm run train -- <route> --data <examples.jsonl> --out ${path}\``, 'invalid-model');
    }
    const cached = this.models.get(path);
    if (cached && cached.mtimeMs === mtimeMs) return cached.model;
    const model = ClassifierModel.load(path);
    this.models.set(path, { mtimeMs, model });
    return model;
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
        if (!step.labels) throw new PermanentError(`step "${step.id}": give labels or model`, 'invalid-step');
        return classifyText(text, step.labels, step.fallbackLabel);
      default: {
        const task = (step as { task: string }).task;
        throw new PermanentError(`provider "${this.name}" does not do task "${task}"`, 'unsupported-task');
      }
    }
  }

  private label(digitalSourceType: AiLabel['digitalSourceType'], model: string): AiLabel {
    return {
      aiGenerated: true,
      digitalSourceType,
      provider: this.name,
      model,
      generatedAt: this.now().toISOString(),
      reviewState: 'unreviewed',
    };
  }
}
