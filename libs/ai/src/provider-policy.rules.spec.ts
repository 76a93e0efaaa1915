import { describe, expect, it } from '@jest/globals';
import { PermanentError } from '@app/contracts';
import { DATA_CLASSES, PROVIDER_LOCATIONS, type DataClass, type ProviderLocation } from './ai-provider.interface.js';
import { assertProviderAllowed, ProviderPolicy, type ChainCandidate, type ProviderDescription } from './provider-policy.rules.js';

/** Every subset of the four data classes (16). */
const SUBSETS: DataClass[][] = Array.from({ length: 1 << DATA_CLASSES.length }, (_, mask) => DATA_CLASSES.filter((_, bit) => mask & (1 << bit)));

/**
 * What the law (as this installation reads it) permits per location, for a provider that declares the
 * data class: with and without a data-processing agreement reference. Written out, not derived from the
 * policy's code.
 */
const PERMITTED: Record<ProviderLocation, { withAgreement: DataClass[]; withoutAgreement: DataClass[] }> = {
  'on-premises': {
    withAgreement: ['public', 'internal', 'personal', 'special-category'],
    withoutAgreement: ['public', 'internal', 'personal', 'special-category'],
  },
  eu: { withAgreement: ['public', 'internal', 'personal'], withoutAgreement: ['public'] },
  'third-country': { withAgreement: ['public', 'internal'], withoutAgreement: ['public'] },
};

const provider = (location: ProviderLocation, dataClasses: DataClass[], agreement: boolean, name = 'llm'): ProviderDescription => ({
  name,
  location,
  operator: 'Beispiel-Betreiber GmbH',
  dataClasses,
  ...(agreement ? { dataProcessingAgreement: 'AVV-2026-014' } : {}),
});

describe('ProviderPolicy', () => {
  const policy = new ProviderPolicy();

  describe('every data class x location x declared classes x agreement', () => {
    const cases = DATA_CLASSES.flatMap((dataClass) =>
      PROVIDER_LOCATIONS.flatMap((location) =>
        SUBSETS.flatMap((declared) => [true, false].map((agreement) => ({ dataClass, location, declared, agreement }))),
      ),
    );

    it('covers 4 x 3 x 16 x 2 combinations', () => {
      expect(cases).toHaveLength(384);
    });

    it('refuses exactly where the class is not declared or the location does not permit it', () => {
      const wrong: string[] = [];
      for (const { dataClass, location, declared, agreement } of cases) {
        const permitted = PERMITTED[location][agreement ? 'withAgreement' : 'withoutAgreement'];
        const expectAllowed = declared.includes(dataClass) && permitted.includes(dataClass);
        const decision = policy.check({ dataClass, provider: provider(location, declared, agreement) });
        if (decision.allowed !== expectAllowed) {
          wrong.push(`${dataClass} -> ${location} declaring [${declared.join(',')}] ${agreement ? 'with' : 'without'} agreement: ${decision.allowed ? 'allowed' : 'refused'}`);
        }
      }
      expect(wrong).toEqual([]);
    });

    it('allows 120 and refuses 264 of them', () => {
      // Per location and agreement, 8 of the 16 subsets contain a given class: on-premises 2 x 4 x 8,
      // eu 3 x 8 + 1 x 8, third country 2 x 8 + 1 x 8.
      const allowed = cases.filter(({ dataClass, location, declared, agreement }) => policy.check({ dataClass, provider: provider(location, declared, agreement) }).allowed);
      expect(allowed).toHaveLength(120);
      expect(cases.length - allowed.length).toBe(264);
    });

    it('never lets personal or special-category data reach a third country, whatever is declared', () => {
      for (const dataClass of ['personal', 'special-category'] as const) {
        for (const declared of SUBSETS) {
          for (const agreement of [true, false]) {
            expect(policy.check({ dataClass, provider: provider('third-country', declared, agreement) }).allowed).toBe(false);
          }
        }
      }
    });

    it('keeps special-category data on-premises by default', () => {
      const allowed = cases.filter(
        ({ dataClass, location, declared, agreement }) => dataClass === 'special-category' && policy.check({ dataClass, provider: provider(location, declared, agreement) }).allowed,
      );
      expect(new Set(allowed.map(({ location }) => location))).toEqual(new Set(['on-premises']));
    });
  });

  it('names the data class, the provider, its location and operator and the broken rule', () => {
    const decision = policy.check({ dataClass: 'personal', provider: provider('third-country', ['public', 'internal', 'personal'], true, 'cloud-llm') });
    expect(decision).toEqual({
      allowed: false,
      reason:
        'policy refuses AI provider "cloud-llm" (location third-country, operator "Beispiel-Betreiber GmbH") for data class "personal": ' +
        'personal and special-category data never go to a provider in a third country',
    });
    expect(policy.check({ dataClass: 'internal', provider: provider('eu', ['public'], true) })).toMatchObject({
      reason: expect.stringContaining('may only see public'),
    });
    expect(policy.check({ dataClass: 'internal', provider: provider('eu', ['internal'], false) })).toMatchObject({
      reason: expect.stringContaining('data-processing agreement'),
    });
    expect(policy.check({ dataClass: 'special-category', provider: provider('eu', ['special-category'], true) })).toMatchObject({
      reason: expect.stringContaining('stay on-premises'),
    });
  });

  it('throws PermanentError "policy-refused" from assertAllowed and assertProviderAllowed', () => {
    const question = { dataClass: 'personal' as const, provider: provider('third-country', ['personal'], true) };
    expect(() => policy.assertAllowed(question)).toThrow(PermanentError);
    let error: unknown;
    try {
      assertProviderAllowed(question);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ code: 'policy-refused', message: expect.stringMatching(/"llm".*third-country.*"personal"/) });
    expect(() => assertProviderAllowed({ dataClass: 'personal', provider: provider('eu', ['personal'], true) })).not.toThrow();
  });

  it('refuses a provider without a complete profile for every data class', () => {
    for (const dataClass of DATA_CLASSES) {
      expect(policy.check({ dataClass, provider: { name: 'unbekannt' } })).toMatchObject({
        allowed: false,
        reason: expect.stringContaining('"unbekannt" (no location declared) for data class'),
      });
      expect(policy.check({ dataClass, provider: { name: 'halb', location: 'on-premises', dataClasses: [...DATA_CLASSES] } })).toMatchObject({
        allowed: false,
        reason: expect.stringContaining('operator must be a non-empty string'),
      });
    }
  });

  it('refuses an unknown data class', () => {
    expect(policy.check({ dataClass: 'geheim' as DataClass, provider: provider('on-premises', [...DATA_CLASSES], false) })).toMatchObject({
      allowed: false,
      reason: expect.stringContaining('unknown data class'),
    });
  });

  describe('special-category data at an EU provider', () => {
    const allowing = new ProviderPolicy({ specialCategoryOffPremises: ['eu-gesundheit', 'drittland'] });
    const all = [...DATA_CLASSES];

    it('is allowed only for a provider the policy names, that declares the class and has an agreement', () => {
      expect(allowing.check({ dataClass: 'special-category', provider: provider('eu', all, true, 'eu-gesundheit') }).allowed).toBe(true);
      expect(allowing.check({ dataClass: 'special-category', provider: provider('eu', all, true, 'eu-anderer') }).allowed).toBe(false);
      expect(allowing.check({ dataClass: 'special-category', provider: provider('eu', ['personal'], true, 'eu-gesundheit') }).allowed).toBe(false);
      expect(allowing.check({ dataClass: 'special-category', provider: provider('eu', all, false, 'eu-gesundheit') }).allowed).toBe(false);
    });

    it('never for a third-country provider, even when named', () => {
      expect(allowing.check({ dataClass: 'special-category', provider: provider('third-country', all, true, 'drittland') }).allowed).toBe(false);
    });

    it('changes nothing for the other data classes', () => {
      for (const dataClass of ['public', 'internal', 'personal'] as const) {
        for (const location of PROVIDER_LOCATIONS) {
          const named = provider(location, all, true, 'eu-gesundheit');
          expect(allowing.check({ dataClass, provider: named }).allowed).toBe(policy.check({ dataClass, provider: named }).allowed);
        }
      }
    });
  });

  describe('select', () => {
    const candidate = (name: string, location: ProviderLocation, tasks: ChainCandidate['tasks']): ChainCandidate => ({
      ...provider(location, [...DATA_CLASSES], true, name),
      tasks,
    });
    const chain = [
      candidate('cloud', 'third-country', ['summarise']),
      candidate('sprache', 'on-premises', ['detect-language']),
      candidate('eu-llm', 'eu', ['summarise']),
      candidate('rz-llm', 'on-premises', ['summarise']),
    ];

    it('keeps the allowed providers that do the task, in chain order, and says why the others are left out', () => {
      const selection = policy.select({ dataClass: 'personal', task: 'summarise', chain });
      expect(selection.allowed.map((c) => c.name)).toEqual(['eu-llm', 'rz-llm']);
      expect(selection.skipped).toEqual([
        { provider: 'cloud', code: 'policy-refused', reason: expect.stringContaining('third country') },
        { provider: 'sprache', code: 'unsupported-task', reason: 'AI provider "sprache" does not do task "summarise"; it does: detect-language' },
      ]);
    });

    it('selects by data class', () => {
      expect(policy.select({ dataClass: 'public', task: 'summarise', chain }).allowed.map((c) => c.name)).toEqual(['cloud', 'eu-llm', 'rz-llm']);
      expect(policy.select({ dataClass: 'special-category', task: 'summarise', chain }).allowed.map((c) => c.name)).toEqual(['rz-llm']);
    });
  });
});
