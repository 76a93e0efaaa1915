import { PermanentError, type StepConfig, type StepResult } from '@app/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { ProviderRegistry } from './provider.registry.js';

/** Runs an AI step on the provider the step names, after checking that provider can do the task. */
@Injectable()
export class AiService {
  constructor(@Inject(ProviderRegistry) private readonly registry: ProviderRegistry) {}

  async run(step: StepConfig, text: string): Promise<StepResult> {
    const provider = this.registry.get(step.provider);
    if (!provider.tasks.includes(step.task)) {
      throw new PermanentError(
        `AI provider "${provider.name}" does not do task "${step.task}" (step "${step.id}"); it does: ${provider.tasks.join(', ')}`,
        'unsupported-task',
      );
    }
    return provider.run(step, text);
  }
}
