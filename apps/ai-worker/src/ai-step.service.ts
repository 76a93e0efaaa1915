import { Injectable } from '@nestjs/common';
import { AiService } from '@app/ai';
import { RoutesRegistry } from '@app/config';
import { PermanentError, type PipelineJob } from '@app/contracts';
import { DocumentStore } from '@app/documents';
import type { StepOutcome } from '@app/pipeline';

/** Runs one AI step of a route on a document's text and keeps the labelled result. */
@Injectable()
export class AiStepService {
  constructor(
    private readonly routes: RoutesRegistry,
    private readonly store: DocumentStore,
    private readonly ai: AiService,
  ) {}

  async run(job: PipelineJob): Promise<StepOutcome> {
    const done = await this.store.getResult(job.documentId, job.step);
    if (done) return { skipped: true, provider: done.label.provider, model: done.label.model, detail: 'result already stored' };

    const route = this.routes.get(job.routeId);
    const step = route.steps.find((s) => s.id === job.step);
    if (!step) throw new PermanentError(`route "${job.routeId}" has no step "${job.step}"`, 'unknown-step');
    const text = await this.store.getText(job.documentId);
    if (text === undefined) throw new PermanentError(`document ${job.documentId} has no text (expired or never taken in)`, 'no-text');

    // The route's data class decides, before any text leaves the process, which providers may see it.
    const result = await this.ai.run(step, text, { dataClass: route.dataClass });
    await this.store.saveResult(job.documentId, result);
    return { provider: result.label.provider, model: result.label.model };
  }
}
