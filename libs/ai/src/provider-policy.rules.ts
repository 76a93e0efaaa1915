import { PermanentError } from '@app/contracts';
import { DATA_CLASSES, type AiTask, type DataClass, type ProviderProfile } from './ai-provider.interface.js';
import { profileProblems } from './provider-policy.profiles.js';

/** A provider as the policy sees it: its name and whatever profile it has (possibly none). */
export interface ProviderDescription extends Partial<ProviderProfile> {
  readonly name: string;
}

/** A provider in a fallback chain: the policy also needs its tasks. */
export interface ChainCandidate extends ProviderDescription {
  readonly tasks: readonly AiTask[];
}

export interface ProviderPolicyOptions {
  /**
   * Providers, by name, that may see special-category data (Art. 9 DSGVO) although they run at an `eu`
   * location. Naming a provider here is the explicit decision of the installation's operator (after a
   * data-protection impact assessment, Art. 35 DSGVO); the provider must still declare
   * `special-category` and have a data-processing agreement. A third-country provider never qualifies.
   */
  specialCategoryOffPremises?: readonly string[];
}

export type PolicyDecision = { allowed: true } | { allowed: false; reason: string };

export interface PolicyQuestion {
  dataClass: DataClass;
  provider: ProviderDescription;
}

export interface ChainSkip {
  provider: string;
  code: 'policy-refused' | 'unsupported-task';
  reason: string;
}

export interface ChainSelection<T extends ChainCandidate = ChainCandidate> {
  /** The candidates the step may run on, in chain order: the first is used, the others are fallbacks. */
  allowed: T[];
  /** Candidates left out, in chain order, and why. */
  skipped: ChainSkip[];
}

/**
 * Which provider may see which text, decided before any text leaves the process. Rules, all of which must
 * hold (a refusal names the first one broken):
 *
 * 1. the data class is one of public, internal, personal, special-category;
 * 2. the provider has a complete profile (location, operator, data classes);
 * 3. personal and special-category data never go to a `third-country` provider, whatever it declares
 *    (no adequacy-decision or standard-contractual-clause exceptions are modelled: that is a legal
 *    assessment per case, not configuration);
 * 4. special-category data stay `on-premises`, unless the provider runs in the `eu` and the operator named
 *    it in `specialCategoryOffPremises`;
 * 5. off-premises (`eu`, `third-country`), every data class but `public` needs a data-processing
 *    agreement reference (Art. 28 DSGVO for personal data; for internal data the same contract is what
 *    binds the operator to confidentiality);
 * 6. the provider lists the data class among those it may see.
 *
 * Refusals are PermanentError `policy-refused`: retrying cannot change them.
 */
export class ProviderPolicy {
  private readonly specialCategoryOffPremises: ReadonlySet<string>;

  constructor(options: ProviderPolicyOptions = {}) {
    this.specialCategoryOffPremises = new Set(options.specialCategoryOffPremises ?? []);
  }

  check({ dataClass, provider }: PolicyQuestion): PolicyDecision {
    const refuse = (why: string): PolicyDecision => ({ allowed: false, reason: `${refusalHead(dataClass, provider)}: ${why}` });

    if (!DATA_CLASSES.includes(dataClass)) return refuse(`unknown data class; known: ${DATA_CLASSES.join(', ')}`);
    const problems = profileProblems(provider);
    if (problems.length) return refuse(`the provider has no complete profile (${problems.join('; ')})`);
    const { location, dataClasses, dataProcessingAgreement } = provider as ProviderProfile;

    if (location === 'third-country' && (dataClass === 'personal' || dataClass === 'special-category')) {
      return refuse('personal and special-category data never go to a provider in a third country');
    }
    if (dataClass === 'special-category' && location !== 'on-premises' && !this.specialCategoryOffPremises.has(provider.name)) {
      return refuse(
        'special-category data (Art. 9 DSGVO) stay on-premises unless the policy names an EU provider in specialCategoryOffPremises',
      );
    }
    if (location !== 'on-premises' && dataClass !== 'public' && !dataProcessingAgreement?.trim()) {
      return refuse('a provider outside this installation needs a data-processing agreement reference (Art. 28 DSGVO) for non-public data');
    }
    if (!dataClasses.includes(dataClass)) {
      return refuse(`the provider may only see ${dataClasses.length ? dataClasses.join(', ') : 'no data class'}`);
    }
    return { allowed: true };
  }

  /** Throws PermanentError `policy-refused` when the provider may not see text of the data class. */
  assertAllowed(question: PolicyQuestion): void {
    const decision = this.check(question);
    if (!decision.allowed) throw new PermanentError(decision.reason, 'policy-refused');
  }

  /**
   * Splits a fallback chain into the providers the step may use, in order, and those left out: a provider
   * is left out when it does not do the task or the policy refuses it for the data class. The caller runs
   * the first allowed one and moves on only on retryable failures, so a forbidden provider never gets text.
   */
  select<T extends ChainCandidate>({ dataClass, task, chain }: { dataClass: DataClass; task: AiTask; chain: readonly T[] }): ChainSelection<T> {
    const allowed: T[] = [];
    const skipped: ChainSkip[] = [];
    for (const candidate of chain) {
      if (!candidate.tasks.includes(task)) {
        skipped.push({
          provider: candidate.name,
          code: 'unsupported-task',
          reason: `AI provider "${candidate.name}" does not do task "${task}"; it does: ${candidate.tasks.join(', ') || 'nothing'}`,
        });
        continue;
      }
      const decision = this.check({ dataClass, provider: candidate });
      if (decision.allowed) allowed.push(candidate);
      else skipped.push({ provider: candidate.name, code: 'policy-refused', reason: decision.reason });
    }
    return { allowed, skipped };
  }
}

function refusalHead(dataClass: DataClass, provider: ProviderDescription): string {
  const where = provider.location ? `location ${provider.location}` : 'no location declared';
  const who = provider.operator ? `, operator "${provider.operator}"` : '';
  return `policy refuses AI provider "${provider.name}" (${where}${who}) for data class "${dataClass}"`;
}

const defaultPolicy = new ProviderPolicy();

/**
 * Throws PermanentError `policy-refused` when `provider` may not see text of `dataClass`, under the given
 * policy or the default one (which names no EU provider for special-category data).
 */
export function assertProviderAllowed(question: PolicyQuestion & { policy?: ProviderPolicy }): void {
  (question.policy ?? defaultPolicy).assertAllowed(question);
}
