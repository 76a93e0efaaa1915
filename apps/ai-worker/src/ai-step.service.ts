import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { AiService, EmbeddedProvider, ProviderRegistry, type ProviderGate } from '@app/ai';
import { APP_CONFIG, RoutesRegistry, type AppConfig } from '@app/config';
import { EMBEDDED_PROVIDER, PermanentError, type PipelineJob, type ProviderLimits } from '@app/contracts';
import { DocumentStore } from '@app/documents';
import { AiUsageStore, type JobLease, type StepOutcome } from '@app/pipeline';

/**
 * Runs one AI step of a route on a document's text and keeps the labelled result, within the providers'
 * limits and the route's daily token budget (a limit reached defers the step, see AiUsageStore).
 */
@Injectable()
export class AiStepService implements OnModuleInit {
  private readonly limits: Map<string, ProviderLimits | undefined>;
  private readonly gate: ProviderGate;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly routes: RoutesRegistry,
    private readonly store: DocumentStore,
    private readonly ai: AiService,
    private readonly usage: AiUsageStore,
    private readonly providers: ProviderRegistry,
  ) {
    this.limits = new Map(config.providers.map((provider) => [provider.name, provider.limits]));
    this.gate = { enter: (provider) => this.usage.enterProvider(provider, this.limits.get(provider)) };
  }

  /** A route's classifier model that is missing or broken stops the start, not the first document. */
  onModuleInit(): void {
    const embedded = this.providers.get(EMBEDDED_PROVIDER);
    if (!(embedded instanceof EmbeddedProvider)) return;
    for (const route of this.routes.all()) {
      for (const step of route.steps) {
        if (step.task !== 'classify' || step.model === undefined) continue;
        try {
          embedded.model(step.model);
        } catch (error) {
          throw new Error(`route "${route.id}", step "${step.id}": ${(error as Error).message}`);
        }
      }
    }
  }

  async run(job: PipelineJob, lease?: JobLease): Promise<StepOutcome> {
    const done = await this.store.getResult(job.documentId, job.step);
    if (done) return { skipped: true, provider: done.label.provider, model: done.label.model, detail: 'result already stored' };

    const route = this.routes.get(job.routeId);
    const step = route.steps.find((s) => s.id === job.step);
    if (!step) throw new PermanentError(`route "${job.routeId}" has no step "${job.step}"`, 'unknown-step');
    const text = await this.store.getText(job.documentId);
    if (text === undefined) throw new PermanentError(`document ${job.documentId} has no text (expired or never taken in)`, 'no-text');

    // Tokens are only spent on model providers: a step that runs in-process needs no budget.
    const chain = [step.provider, ...(step.fallbackProviders ?? [])];
    if (chain.some((provider) => provider !== EMBEDDED_PROVIDER)) await this.usage.assertBudget(route.id, route.tokenBudgetPerDay);
    // The route's data class decides, before any text leaves the process, which providers may see it.
    // A model call may take minutes: each heartbeat of the provider renews the job's lock, so it never stalls.
    const result = await this.ai.run(step, text, { dataClass: route.dataClass, gate: this.gate, ...(lease && { onProgress: () => lease.renew() }) });
    if (result.usage) await this.usage.addTokens(route.id, result.usage.totalTokens);
    await this.store.saveResult(job.documentId, result);
    return { provider: result.label.provider, model: result.label.model };
  }
}
