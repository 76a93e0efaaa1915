import { PermanentError, RetryableError, type ProviderFallback } from '@app/contracts';
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { AiRunOptions, AiStepConfig, AiStepResult, DataClass } from './ai-provider.interface.js';
import { ProviderPolicy, type ChainSkip } from './provider-policy.rules.js';
import { ProviderRegistry } from './provider.registry.js';

/**
 * Admission to a provider: limits on calls at once and per minute. `enter` resolves with a function that
 * gives the place back, or throws DeferredError when the provider is at its limit.
 */
export interface ProviderGate {
  enter(provider: string): Promise<() => Promise<void>>;
}

export interface AiRunContext extends AiRunOptions {
  /** The data class of the route the text belongs to; default DEFAULT_DATA_CLASS. */
  dataClass?: DataClass;
  /** Checked before each provider call; without it calls are not limited. */
  gate?: ProviderGate;
}

/**
 * The data class assumed when a caller does not say: the most sensitive one. Text nobody has classified may
 * hold anything, so without a declared class only on-premises providers that may see special-category
 * data get it (the embedded engine does). Routes declare their class to use anything else.
 */
export const DEFAULT_DATA_CLASS: DataClass = 'special-category';

/** Errors after which no other provider is tried: the caller is gone, or its job lock is lost. */
const NO_FALLBACK_CODES = new Set(['aborted', 'heartbeat-failed']);

/**
 * Runs an AI step. The step's chain (`provider`, then `fallbackProviders`) is checked before any text leaves
 * the process: providers that do not do the task, or that the policy refuses for the data class, are left
 * out; if none is left the step fails with PermanentError `policy-refused` (or `unsupported-task`). The
 * first allowed provider runs the step; when it fails with a RetryableError the next allowed one is
 * tried, never a refused one. Permanent errors end the step at once.
 */
@Injectable()
export class AiService {
  private readonly policy: ProviderPolicy;

  constructor(
    @Inject(ProviderRegistry) private readonly registry: ProviderRegistry,
    @Optional() @Inject(ProviderPolicy) policy?: ProviderPolicy,
  ) {
    this.policy = policy ?? new ProviderPolicy();
  }

  async run(step: AiStepConfig, text: string, context: AiRunContext = {}): Promise<AiStepResult> {
    const dataClass = context.dataClass ?? DEFAULT_DATA_CLASS;
    const chain = [...new Set([step.provider, ...(step.fallbackProviders ?? [])])].map((name) => this.registry.describe(name));
    const { allowed, skipped } = this.policy.select({ dataClass, task: step.task, chain });
    if (!allowed.length) throw nothingAllowed(step, dataClass, skipped);

    const options: AiRunOptions = {};
    if (context.signal) options.signal = context.signal;
    if (context.onProgress) options.onProgress = context.onProgress;
    const failed: ProviderFallback[] = [];
    for (const [index, candidate] of allowed.entries()) {
      // A provider at its limit defers the whole step (DeferredError): it waits, it does not fall back.
      const leave = context.gate ? await context.gate.enter(candidate.name) : undefined;
      try {
        const result = await candidate.provider.run(step, text, options);
        return failed.length ? { ...result, fallbackFrom: failed } : result;
      } catch (error) {
        const retryable = error instanceof RetryableError && !NO_FALLBACK_CODES.has(error.code);
        if (!retryable || index === allowed.length - 1) {
          if (retryable && failed.length) {
            const before = failed.map((f) => `"${f.provider}" (${f.code})`).join(', ');
            throw new RetryableError(`${error.message}; tried before: ${before}`, error.code, { cause: error });
          }
          throw error;
        }
        failed.push({ provider: candidate.name, code: error.code });
      } finally {
        await leave?.();
      }
    }
    throw new Error('unreachable: the chain had an allowed provider');
  }
}

function nothingAllowed(step: AiStepConfig, dataClass: DataClass, skipped: ChainSkip[]): PermanentError {
  const refused = skipped.filter((skip) => skip.code === 'policy-refused');
  const reasons = skipped.map((skip) => skip.reason).join('; ');
  if (refused.length) {
    return new PermanentError(`step "${step.id}" (${step.task}, data class "${dataClass}"): no provider of its chain may be used: ${reasons}`, 'policy-refused');
  }
  return new PermanentError(`step "${step.id}": ${reasons}`, 'unsupported-task');
}
