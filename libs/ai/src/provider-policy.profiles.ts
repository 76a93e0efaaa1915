import { DATA_CLASSES, PROVIDER_LOCATIONS, type AiProvider, type DataClass, type ProviderProfile } from './ai-provider.interface.js';

/** The embedded engine runs inside this process: nothing leaves it, so it may see every data class. */
export const EMBEDDED_PROVIDER_PROFILE: ProviderProfile = Object.freeze({
  location: 'on-premises',
  operator: 'this installation',
  dataClasses: Object.freeze([...DATA_CLASSES]),
});

/**
 * What is wrong with a profile, or nothing. A profile is complete when it names a known location, a
 * non-empty operator and a list of known data classes; a data-processing agreement, when given, is a
 * non-empty string. Whether the agreement is needed is the policy's question, not the profile's.
 */
export function profileProblems(profile: Partial<ProviderProfile>): string[] {
  const problems: string[] = [];
  if (!PROVIDER_LOCATIONS.includes(profile.location as never)) {
    problems.push(`location must be one of ${PROVIDER_LOCATIONS.join(', ')} (got ${JSON.stringify(profile.location)})`);
  }
  if (typeof profile.operator !== 'string' || !profile.operator.trim()) problems.push('operator must be a non-empty string');
  if (!Array.isArray(profile.dataClasses)) {
    problems.push(`dataClasses must be a list of ${DATA_CLASSES.join(', ')}`);
  } else {
    const unknown = profile.dataClasses.filter((dataClass) => !DATA_CLASSES.includes(dataClass as DataClass));
    if (unknown.length) problems.push(`dataClasses has unknown entries ${JSON.stringify(unknown)}; known: ${DATA_CLASSES.join(', ')}`);
  }
  if (profile.dataProcessingAgreement !== undefined && (typeof profile.dataProcessingAgreement !== 'string' || !profile.dataProcessingAgreement.trim())) {
    problems.push('dataProcessingAgreement, when given, must be a non-empty string');
  }
  return problems;
}

/** A copy of a complete profile, frozen, with only the profile's own fields. Throws when it is not complete. */
export function checkedProfile(profile: Partial<ProviderProfile>, owner: string): ProviderProfile {
  const problems = profileProblems(profile);
  if (problems.length) throw new Error(`${owner}: incomplete or invalid provider profile: ${problems.join('; ')}`);
  const { location, operator, dataProcessingAgreement, dataClasses } = profile as ProviderProfile;
  return Object.freeze({
    location,
    operator,
    ...(dataProcessingAgreement !== undefined ? { dataProcessingAgreement } : {}),
    dataClasses: Object.freeze([...new Set(dataClasses)]),
  });
}

/** The profile a provider declares itself, or undefined when it declares none of the fields. */
export function declaredProfile(provider: AiProvider): ProviderProfile | undefined {
  const { location, operator, dataProcessingAgreement, dataClasses } = provider;
  if (location === undefined && operator === undefined && dataProcessingAgreement === undefined && dataClasses === undefined) return undefined;
  return checkedProfile({ location, operator, dataProcessingAgreement, dataClasses } as Partial<ProviderProfile>, `AI provider "${provider.name}"`);
}
